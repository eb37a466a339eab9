// Login: SCRAM-SHA-256 (login, login.proof), remember tokens (login.remember), SSO, the failed-login
// limits, and what every successful login does (autologout, the session's move out of CREDENTIALS).
#include "core/auth/base64.hpp"
#include "core/auth/digest.hpp"
#include "core/auth/sso.hpp"
#include "server/engine/engine_impl.hpp"

#include <algorithm>

namespace ucs::server {

namespace json = boost::json;
using protocol::ErrorCode;

namespace {

std::string remember_hash(std::string_view token) { return std::string(auth::as_bytes(auth::sha256(token))); }

// error.data.reason of a refused SSO login.
const char* sso_refusal_reason(auth::SsoError error) {
    switch (error) {
    case auth::SsoError::malformed: return "malformed";
    case auth::SsoError::wrong_user: return "wrong_user";
    case auth::SsoError::outside_window: return "expired";
    case auth::SsoError::bad_signature: return "bad_signature";
    }
    return "refused";
}

// Drops timestamps older than the window; true when `limit` or more remain.
bool over_limit(std::deque<Millis>& failures, Millis now, Millis window, int limit, Millis& retry_at) {
    while (!failures.empty() && failures.front() <= now - window) failures.pop_front();
    if (static_cast<int>(failures.size()) < limit) return false;
    retry_at = failures.front() + window;
    return true;
}

// Only names and addresses that failed have entries, and they go once their failures age out.
bool limited_in(std::map<std::string, std::deque<Millis>>& failures, const std::string& key, int limit, Millis now,
                Millis window, Millis& retry_at) {
    auto it = failures.find(key);
    if (it == failures.end()) return false;
    const bool over = over_limit(it->second, now, window, limit, retry_at);
    if (it->second.empty()) failures.erase(it);
    return over;
}

}  // namespace

std::optional<RpcError> Engine::Impl::refused_by_limit(const std::string& username, const std::string& address) {
    Millis retry_at = 0;
    const Millis window = config.failed_login_window_ms;
    if (limited_in(failed_logins_by_user, username, config.max_failed_logins_per_user, now, window, retry_at) ||
        limited_in(failed_logins_by_address, address, config.max_failed_logins_per_address, now, window, retry_at)) {
        const auto seconds = (retry_at - now + 999) / 1000;
        return RpcError{ErrorCode::rate_limited, "too many failed logins; try again in " + std::to_string(seconds) + " s",
                        json::object{{"retry_after", seconds}}};
    }
    return std::nullopt;
}

void Engine::Impl::record_failed_login(const std::string& username, const std::string& address) {
    failed_logins_by_user[username].push_back(now);
    failed_logins_by_address[address].push_back(now);
}

RpcResult Engine::Impl::login_start(RpcContext& request, const LoginParams& params) {
    if (auto limited = refused_by_limit(params.username, request.connection.address)) return Unexpected(std::move(*limited));
    auto first = auth::scram::parse_client_first(params.client_first);
    if (!first) return bad_param("params.client_first", auth::scram::to_string(first.error()));
    if (first->username != params.username) return bad_param("params.client_first", "names another user than params.username");
    const UserRecord* user = user_by_name(params.username);
    auth::scram::Verifier verifier;
    if (user != nullptr) {
        verifier = auth::scram::Verifier{user->verifier.salt, user->verifier.iterations, user->verifier.stored_key,
                                         user->verifier.server_key};
    } else {
        // An unknown user gets a stable made-up salt, so the reply does not tell whether the name exists.
        const auto fake = auth::hmac_sha256(server_secret, params.username);
        verifier.salt = std::string(auth::as_bytes(fake)).substr(0, 16);
        verifier.iterations = auth::scram::default_iterations;
        verifier.stored_key = random.bytes(32);
        verifier.server_key = random.bytes(32);
    }
    auth::scram::ServerExchange exchange(std::move(first).value(), verifier, auth::base64url_token(random.bytes(18)));
    const std::string server_first = exchange.server_first();
    request.session->pending_login.emplace(
        Session::PendingLogin{user != nullptr ? user->id : 0, params.username, std::move(exchange)});
    return json::object{{"server_first", server_first}};
}

RpcResult Engine::Impl::login_proof(RpcContext& request, const LoginProofParams& params) {
    Session& session = *request.session;
    if (!session.pending_login) return rpc_fail(ErrorCode::invalid_state, "login.proof without a login first");
    Session::PendingLogin pending = std::move(*session.pending_login);
    session.pending_login.reset();
    // Checked again here: many `login`s started before the first wrong proof must not each get a
    // guess past the limit.
    if (auto limited = refused_by_limit(pending.username, request.connection.address)) return Unexpected(std::move(*limited));
    auto server_final = pending.exchange.verify_client_final(params.client_final);
    if (!server_final || pending.user_id == 0) {
        // Only a guess counts against the limits: a client_final that does not even parse is a broken
        // client, and counting it would let one broken page behind a NAT lock out the whole office.
        if (server_final || server_final.error() == auth::scram::Error::bad_proof) {
            record_failed_login(pending.username, request.connection.address);
            return rpc_fail(ErrorCode::bad_credentials, "invalid username or password");
        }
        return bad_param("params.client_final", auth::scram::to_string(server_final.error()));
    }
    json::object result{{"server_final", server_final.value()}};
    if (params.remember.value_or(false)) {
        const std::string token = auth::base64url_token(random.bytes(32));
        RememberTokenRecord record{remember_hash(token), pending.user_id, now_seconds()};
        store.save_remember_token(record);
        frames_wait_for_store();  // the reply hands out the token
        directory.remember_tokens.push_back(record);
        session.remember_hash = record.token_hash;
        result["remember_token"] = token;
    }
    return logged_in(request, pending.user_id, params.autologout.value_or(false), std::move(result));
}

RpcResult Engine::Impl::login_remember(RpcContext& request, const RememberParams& params) {
    if (auto limited = refused_by_limit(params.username, request.connection.address)) return Unexpected(std::move(*limited));
    const std::string hash = remember_hash(params.token);
    const UserRecord* user = user_by_name(params.username);
    const auto token = std::find_if(directory.remember_tokens.begin(), directory.remember_tokens.end(),
                                    [&](const RememberTokenRecord& t) { return t.token_hash == hash; });
    if (user == nullptr || token == directory.remember_tokens.end() || token->user_id != user->id) {
        record_failed_login(params.username, request.connection.address);
        return rpc_fail(ErrorCode::bad_credentials, "remembered login is no longer valid");
    }
    request.session->remember_hash = hash;
    return logged_in(request, user->id, params.autologout.value_or(false), {});
}

RpcResult Engine::Impl::login_sso(RpcContext& request, const SsoParams& params) {
    if (auto limited = refused_by_limit(params.username, request.connection.address)) return Unexpected(std::move(*limited));
    std::erase_if(directory.used_sso_tokens, [&](const auto& entry) { return entry.second <= now; });
    const std::string token_hash(auth::as_bytes(auth::sha256(params.token)));
    const UserRecord* user = user_by_name(params.username);
    // A refusal counts against the failed-login limits only when the token was a well-formed guess: a
    // malformed token, or SSO switched off on this server, says nothing about anyone's secret.
    auto refused = [&](const char* reason, const std::string& message, bool counts = true) {
        if (counts) record_failed_login(params.username, request.connection.address);
        return rpc_fail(ErrorCode::sso_refused, message, {{"reason", reason}});
    };
    if (config.sso_secret.empty()) return refused("disabled", "SSO is not configured on this server", false);
    if (directory.used_sso_tokens.contains(token_hash)) return refused("replayed", "SSO token has been used already");
    auto verified = auth::verify_sso_token(params.token, config.sso_secret, params.username, now_seconds(),
                                           config.sso_window_seconds);
    if (!verified) {
        return refused(sso_refusal_reason(verified.error()), auth::to_string(verified.error()),
                       verified.error() != auth::SsoError::malformed);
    }
    if (user == nullptr) return refused("unknown_user", "no such user");
    // Remember it until its window has passed; after that the window refuses it anyway.
    const Millis forget_after = (*verified + config.sso_window_seconds + 1) * 1000;
    store.save_used_sso_token(token_hash, forget_after);  // refused after a restart too
    frames_wait_for_store();
    directory.used_sso_tokens[token_hash] = forget_after;
    request.session->sso_provider = params.provider;
    return logged_in(request, user->id, params.autologout.value_or(false), {});
}

// A login succeeded: other sessions of the user end with autologout, and this one leaves CREDENTIALS.
RpcResult Engine::Impl::logged_in(RpcContext& request, int user_id, bool autologout, json::object result) {
    Session& session = *request.session;
    if (autologout) {
        for (Session* other : sessions_of(user_id)) {
            if (other == &session) continue;
            transition(*other, SessionEvent::replaced);  // the agent stays with the new session
        }
    }
    set_session_user(session, user_id);
    transition(session, SessionEvent::logged_in);
    result["user"] = to_json(render_user(user_id));
    result["state"] = to_string(session.state);
    result["layout"] = to_json(layout_of(user_id));
    if (const Agent& a = agent(user_id); a.device_id) {
        if (const DeviceRecord* device = device_by_id(*a.device_id)) result["device"] = to_json(device->device);
    }
    return result;
}

}  // namespace ucs::server
