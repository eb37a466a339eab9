#include "server/store/demo_data.hpp"

#include "core/auth/scram.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace ucs::server {

namespace {

constexpr const char* demo_password = "demo";
constexpr std::size_t salt_bytes = 16;
constexpr int wrapup_seconds = 10;        // SANDBOX.md: ACW 10 s after a queue call
constexpr int ring_timeout_seconds = 20;  // SANDBOX.md: 20 s on an agent, then the next one

UserRecord demo_user(Random& random, int id, std::string username, std::string firstname, std::string lastname,
                     int group_id, bool superuser) {
    UserRecord user;
    user.id = id;
    user.username = std::move(username);
    user.firstname = std::move(firstname);
    user.lastname = std::move(lastname);
    user.locale = "cs";
    user.superuser = superuser;
    user.group_id = group_id;
    const auth::scram::Verifier verifier = auth::scram::make_verifier(demo_password, random.bytes(salt_bytes));
    user.verifier = PasswordVerifier{verifier.salt, verifier.iterations, verifier.stored_key, verifier.server_key};
    return user;
}

DeviceRecord desk_phone(int line, std::optional<std::string> address = std::nullopt) {
    const std::string number = std::to_string(line);
    return DeviceRecord{Device{line, number, "Desk phone " + number, number, DeviceType::desk}, std::move(address)};
}

// The browser is the phone: it rings, listens and speaks (docs/media.md).
DeviceRecord softphone(int line) {
    const std::string number = std::to_string(line);
    return DeviceRecord{Device{line, number, "Softphone " + number, number, DeviceType::softphone}, std::nullopt};
}

MembershipRecord member(int user_id, int queue_id, bool supervisor = false) {
    MembershipRecord membership;
    membership.user_id = user_id;
    membership.queue_id = queue_id;
    membership.supervisor = supervisor;
    return membership;
}

}  // namespace

Directory demo_directory(Random& random) {
    Directory d;
    d.groups = {Group{1, "Support team"}, Group{2, "Sales team"}};

    // Ids 1..4 in SANDBOX.md's order.
    d.users.push_back(demo_user(random, 1, "agent1", "Alice", "Nováková", 1, false));
    d.users.push_back(demo_user(random, 2, "agent2", "Bořivoj", "Dvořák", 1, false));
    d.users.push_back(demo_user(random, 3, "agent3", "Cyril", "Svoboda", 2, false));
    d.users.push_back(demo_user(random, 4, "super", "Dana", "Veselá", 1, true));

    // Identifier, line id and extension are all the phone's number; 101 also answers identifyIP
    // from the machine ucsd runs on.
    d.devices = {desk_phone(101, "127.0.0.1"), desk_phone(102), desk_phone(103), desk_phone(104),
                 softphone(201), softphone(202), softphone(203), softphone(204)};

    d.queues = {
        // SANDBOX.md: Support's calls are recorded, the others' are not.
        QueueRecord{QueueInfo{1, "Support", QueueType::incoming, "800100200"}, wrapup_seconds, ring_timeout_seconds,
                    false, true},
        QueueRecord{QueueInfo{2, "Sales", QueueType::incoming, "800100300"}, wrapup_seconds, ring_timeout_seconds},
        QueueRecord{QueueInfo{3, "Callback campaign", QueueType::outgoing, std::nullopt}, wrapup_seconds,
                    ring_timeout_seconds},
    };

    d.memberships = {
        member(1, 1),       member(1, 2),       member(1, 3),  // agent1: queues 1, 2, 3
        member(2, 1),                                          // agent2: queue 1
        member(3, 2),                                          // agent3: queue 2
        member(4, 1, true), member(4, 2, true),                // super: supervisor of 1 and 2
    };

    // The fifth is not offered in SANDBOX.md's list but must exist: the engine puts an agent who
    // lets a queue call ring out into AUX "No answer".
    d.aux_reasons = {AuxReason{1, "Lunch"}, AuxReason{2, "Break"}, AuxReason{3, "Training"}, AuxReason{4, "Meeting"},
                     AuxReason{5, "No answer"}};

    d.call_reasons = {
        CallReason{1, "Complaint", {}},
        CallReason{2, "Order", {CallSubReason{1, "New"}, CallSubReason{2, "Change"}}},
        CallReason{3, "Information", {}},
    };
    return d;
}

std::vector<LayoutTab> demo_layout(const std::string& server_url) {
    return {LayoutTab{"Acme CRM", server_url + "tabs/acme.html"}};
}

}  // namespace ucs::server
