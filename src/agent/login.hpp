#pragma once
// Login and pairing: the steps from CREDENTIALS to READY. A login (SCRAM, the remember cookie or
// SSO) is one explicit step at a time; the identifier sources are tried in the documented order;
// the app state moves only along the transition table in login.cpp.

#include "agent/messages.hpp"
#include "agent/model.hpp"
#include "core/auth/scram.hpp"

#include <optional>
#include <string>

namespace ucs::agent {

// Whether the app state may move from one state to another (the table in login.cpp).
bool app_transition_allowed(AppState from, AppState to);

class Login {
public:
    explicit Login(Context& context) : ctx_(&context) {}
    // After a copy (Agent's copy constructor): work on `context` from now on.
    void rebind(Context& context) { ctx_ = &context; }

    // CREDENTIALS: a new session, a logout, or ucsd forgot the session (`relogin`: use the
    // remember cookie even without autologin).
    void enter_credentials(bool relogin);

    // The page's methods.
    void password(const std::string& username, const std::string& password, bool remember, PromiseId promise);
    void sso(const std::string& username, const std::string& token, std::optional<std::string> provider, PromiseId promise);
    void logout(PromiseId promise);
    void select_identifier(const std::string& identifier, PromiseId promise);
    void provision(std::optional<PromiseId> promise);
    void identify(PromiseId promise);

    // ucsd answered one of the requests above (login_first ... identify).
    void answered(const Answered& answer);
    // ucsd ended the session's login (session.loggedOut).
    void logged_out_by_server();
    // Another session of the agent (another tab) paired a phone or chose identify (session.state):
    // this bar follows, so either tab can carry on.
    void moved_by_other_session(AppState state, const std::optional<Device>& device);

private:
    enum class Step : std::uint8_t { idle, scram_first, scram_proof, remembered, sso };

    void scram_challenge(const Answered& answer);
    void scram_verdict(const Answered& answer);
    void login_reply(const Answered& answer);
    void logged_in(const message::LoggedIn& result, std::optional<PromiseId> promise);
    void login_failed(const RpcFailure& failure, std::optional<PromiseId> promise);
    void forget_remembered();

    void find_identifier();
    void ask_for_identifier();
    void pair(const std::string& identifier, std::optional<PromiseId> promise);
    void paired(const Device& device, std::optional<PromiseId> promise);
    void pairing_refused(const Answered& answer);
    void devices_listed(const Answered& answer);
    void provisioned(const Answered& answer);
    void unpaired(const Answered& answer);
    void logout_done(const Answered& answer);

    void update_unload_beacon(bool logged_in_now);
    void move_to(AppState next);

    Context* ctx_;  // not owned; a pointer so that a copy can be rebound
    Step step_ = Step::idle;
    std::optional<PromiseId> attempt_promise_;
    std::string attempt_username_;
    bool attempt_remember_ = false;
    std::optional<auth::scram::Client> scram_;
};

}  // namespace ucs::agent
