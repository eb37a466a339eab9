#pragma once
// The params of each JSON-RPC request (docs/protocol.md), read once by the dispatch table with the
// model's codec, so a bad field is named in the INVALID_PARAMS error.

#include "core/model.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace ucs::server {

// `{}`: methods without parameters still want an object (or none).
struct NoParams {};
BOOST_DESCRIBE_STRUCT(NoParams, (), ())

// The heartbeat; `frozen` reports the page's Page Lifecycle state (true at `freeze`, false at
// `resume`), absent: unchanged.
struct PingParams {
    std::optional<bool> frozen;
};
BOOST_DESCRIBE_STRUCT(PingParams, (), (frozen))

// provision in IDENTIFY (no phone) needs withoutDevice: true, the bar's configuration saying so.
struct ProvisionParams {
    std::optional<bool> withoutDevice;
};
BOOST_DESCRIBE_STRUCT(ProvisionParams, (), (withoutDevice))

struct RingingSoundParams {
    std::string ringingSound;
};
BOOST_DESCRIBE_STRUCT(RingingSoundParams, (), (ringingSound))

struct HelloParams {
    std::string protocol;
    std::optional<std::string> client;
};
BOOST_DESCRIBE_STRUCT(HelloParams, (), (protocol, client))

struct ResumeParams {
    std::string session;
    std::int64_t last_seq = 0;
};
BOOST_DESCRIBE_STRUCT(ResumeParams, (), (session, last_seq))

struct LoginParams {
    std::string username;
    std::string client_first;
};
BOOST_DESCRIBE_STRUCT(LoginParams, (), (username, client_first))

struct LoginProofParams {
    std::string client_final;
    std::optional<bool> remember;
    std::optional<bool> autologout;
};
BOOST_DESCRIBE_STRUCT(LoginProofParams, (), (client_final, remember, autologout))

struct RememberParams {
    std::string username;
    std::string token;
    std::optional<bool> autologout;
};
BOOST_DESCRIBE_STRUCT(RememberParams, (), (username, token, autologout))

struct SsoParams {
    std::string username;
    std::string token;
    std::optional<std::string> provider;
    std::optional<bool> autologout;
};
BOOST_DESCRIBE_STRUCT(SsoParams, (), (username, token, provider, autologout))

struct IdentifierParams {
    std::string identifier;
};
BOOST_DESCRIBE_STRUCT(IdentifierParams, (), (identifier))

struct ChangeStatusParams {
    AgentStatus status = AgentStatus::OFFLINE;
    std::optional<std::string> reason;
};
BOOST_DESCRIBE_STRUCT(ChangeStatusParams, (), (status, reason))

struct QueueParams {
    int queue = 0;
};
BOOST_DESCRIBE_STRUCT(QueueParams, (), (queue))

struct HistoryParams {
    std::optional<Direction> direction;
    std::optional<std::string> number;
    std::optional<std::int64_t> since;
    std::optional<std::int64_t> until;
    std::optional<int> limit;
    std::optional<int> offset;
};
BOOST_DESCRIBE_STRUCT(HistoryParams, (), (direction, number, since, until, limit, offset))

struct RecordingUrlParams {
    std::string uniqueid;
};
BOOST_DESCRIBE_STRUCT(RecordingUrlParams, (), (uniqueid))

struct DialParams {
    std::string number;
    std::optional<boost::json::value> queue;  // int, "directCall", "undefined" or absent
    std::optional<int> line;
    std::optional<boost::json::object> data;
};
BOOST_DESCRIBE_STRUCT(DialParams, (), (number, queue, line, data))

struct TransferParams {
    std::optional<std::string> number;
};
BOOST_DESCRIBE_STRUCT(TransferParams, (), (number))

struct BlindTransferParams {
    std::string number;
};
BOOST_DESCRIBE_STRUCT(BlindTransferParams, (), (number))

struct AccountCodeParams {
    std::string uniqueid;
    std::string accountCode;
    std::optional<std::string> subAccountCode;
    std::optional<bool> override;
};
BOOST_DESCRIBE_STRUCT(AccountCodeParams, (), (uniqueid, accountCode, subAccountCode, override))

}  // namespace ucs::server
