#include "core/auth/base64.hpp"
#include "core/auth/digest.hpp"
#include "core/auth/scram.hpp"

#include <catch2/catch.hpp>

#include "support/hex.hpp"

using ucs::test::hex;

#ifndef __EMSCRIPTEN__
#include <openssl/evp.h>  // the reference PBKDF2, natively only: in wasm it would drag in the providers

#include <random>
#endif

#include <string>
#include <vector>

using ucs::auth::scram::Client;
using ucs::auth::scram::Error;
using ucs::auth::scram::make_verifier;
using ucs::auth::scram::parse_client_first;
using ucs::auth::scram::ServerExchange;

namespace {

// RFC 7677 section 3.
namespace rfc7677 {
const std::string username = "user";
const std::string password = "pencil";
const std::string client_nonce = "rOprNGfwEbeRWgbNEkqO";
const std::string server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const std::string salt_base64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
const std::string client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
const std::string server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const std::string client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const std::string server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
const std::string combined_nonce = client_nonce + server_nonce;
}  // namespace rfc7677


ucs::auth::scram::Verifier rfc_verifier(const std::string& password = rfc7677::password) {
    return make_verifier(password, *ucs::auth::base64_decode(rfc7677::salt_base64), 4096);
}

// The server side of the RFC example, its client-first already read.
ServerExchange rfc_server(const std::string& password = rfc7677::password) {
    auto first = parse_client_first(rfc7677::client_first);
    REQUIRE(first.has_value());
    return ServerExchange(std::move(*first), rfc_verifier(password), rfc7677::server_nonce);
}

// A client of the RFC example whose client_final() has succeeded.
Client rfc_client_after_final() {
    Client client(rfc7677::username, rfc7677::password, rfc7677::client_nonce);
    REQUIRE(client.client_final(rfc7677::server_first).has_value());
    return client;
}

}  // namespace

TEST_CASE("the RFC 7677 example exchange produces the RFC's messages on both sides", "[scram]") {
    Client client(rfc7677::username, rfc7677::password, rfc7677::client_nonce);
    CHECK(client.client_first() == rfc7677::client_first);

    auto first = parse_client_first(client.client_first());
    REQUIRE(first.has_value());
    CHECK(first->username == "user");
    CHECK(first->nonce == rfc7677::client_nonce);
    CHECK(first->bare == "n=user,r=rOprNGfwEbeRWgbNEkqO");

    const ServerExchange server(std::move(*first), rfc_verifier(), rfc7677::server_nonce);
    CHECK(server.server_first() == rfc7677::server_first);

    const auto client_final = client.client_final(server.server_first());
    REQUIRE(client_final.has_value());
    CHECK(*client_final == rfc7677::client_final);

    const auto server_final = server.verify_client_final(*client_final);
    REQUIRE(server_final.has_value());
    CHECK(*server_final == rfc7677::server_final);

    CHECK_FALSE(client.verify_server_final(*server_final).has_value());
}

TEST_CASE("pbkdf2 matches the published PBKDF2-HMAC-SHA256 vectors", "[scram]") {
    using ucs::auth::scram::salted_password;
    // RFC 7914 section 11, the first 32 of the 64 bytes (PBKDF2's first block does not depend on dkLen).
    CHECK(hex(salted_password("passwd", "salt", 1)) ==
          "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    CHECK(hex(salted_password("Password", "NaCl", 80000)) ==
          "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56");
    CHECK(hex(salted_password("password", "salt", 4096)) ==
          "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
}

#ifndef __EMSCRIPTEN__
TEST_CASE("pbkdf2 matches OpenSSL's PKCS5_PBKDF2_HMAC for random inputs", "[scram]") {
    std::mt19937 random(20240501);  // fixed: a failure must be reproducible
    const auto random_bytes = [&](std::size_t max_length) {
        std::string bytes(std::uniform_int_distribution<std::size_t>(0, max_length)(random), '\0');
        for (char& c : bytes) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(random));
        return bytes;
    };
    for (int round = 0; round < 24; ++round) {
        const std::string password = random_bytes(100);  // also past the 64-byte HMAC block
        const std::string salt = random_bytes(40);
        const int iterations = std::uniform_int_distribution<int>(1, 300)(random);
        std::string expected(ucs::auth::sha256_digest_size, '\0');
        REQUIRE(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                                  reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                                  iterations, EVP_sha256(), static_cast<int>(expected.size()),
                                  reinterpret_cast<unsigned char*>(expected.data())) == 1);
        INFO("round " << round << ": password " << hex(password) << ", salt " << hex(salt) << ", " << iterations
                      << " iterations");
        CHECK(hex(ucs::auth::scram::salted_password(password, salt, iterations)) == hex(expected));
    }
}
#endif

TEST_CASE("a keyed hmac gives the one-shot hmac for every message it is reused on", "[scram]") {
    for (const std::string& key :
         std::vector<std::string>{std::string(), std::string("Jefe"), std::string(64, 'k'), std::string(131, '\xaa')}) {
        const ucs::auth::HmacSha256 hmac(key);
        for (const std::string& message :
             std::vector<std::string>{std::string(), std::string("what do ya want for nothing?"), std::string(200, 'm'),
                                      std::string("what do ya want for nothing?")}) {
            INFO("key length " << key.size() << ", message length " << message.size());
            CHECK(hmac.mac(message) == ucs::auth::hmac_sha256(key, message));
        }
    }
}

TEST_CASE("an exchange against a verifier from make_verifier succeeds", "[scram]") {
    // A username that needs escaping, and a password that is not the RFC's.
    const std::string username = "sales,team=eu";
    const std::string password = "correct horse battery staple";
    const auto verifier = make_verifier(password, "per-user salt", 5000);
    CHECK(verifier.salt == "per-user salt");
    CHECK(verifier.iterations == 5000);
    CHECK(verifier.stored_key.size() == 32);
    CHECK(verifier.server_key.size() == 32);

    Client client(username, password, "Zm9vYmFyYmF6cXV4", 4096);
    CHECK(client.client_first() == "n,,n=sales=2Cteam=3Deu,r=Zm9vYmFyYmF6cXV4");
    auto first = parse_client_first(client.client_first());
    REQUIRE(first.has_value());
    CHECK(first->username == username);  // what ucsd looks the verifier up by

    const ServerExchange server(std::move(*first), verifier, "c2VydmVyLW5vbmNl");
    const auto client_final = client.client_final(server.server_first());
    REQUIRE(client_final.has_value());
    const auto server_final = server.verify_client_final(*client_final);
    REQUIRE(server_final.has_value());
    CHECK_FALSE(client.verify_server_final(*server_final).has_value());
}

TEST_CASE("the RFC 7677 verifier is what the RFC's messages were computed from", "[scram]") {
    // Cross-checks make_verifier through the RFC's own client-final and server-final.
    const auto server = rfc_server();
    const auto server_final = server.verify_client_final(rfc7677::client_final);
    REQUIRE(server_final.has_value());
    CHECK(*server_final == rfc7677::server_final);
}

TEST_CASE("a wrong password is refused as a bad proof", "[scram]") {
    const ServerExchange server = rfc_server("not-pencil");
    Client client(rfc7677::username, rfc7677::password, rfc7677::client_nonce);
    const auto client_final = client.client_final(server.server_first());
    REQUIRE(client_final.has_value());
    const auto server_final = server.verify_client_final(*client_final);
    REQUIRE_FALSE(server_final.has_value());
    CHECK(server_final.error() == Error::bad_proof);
}

TEST_CASE("a client proof with any bit changed is refused as a bad proof", "[scram]") {
    const ServerExchange server = rfc_server();
    const std::string proof = *ucs::auth::base64_decode(
        std::string_view(rfc7677::client_final).substr(rfc7677::client_final.find(",p=") + 3));
    REQUIRE(proof.size() == 32);
    for (std::size_t i = 0; i < proof.size(); ++i) {
        std::string altered = proof;
        altered[i] = static_cast<char>(altered[i] ^ 0x01);
        const auto result = server.verify_client_final("c=biws,r=" + rfc7677::combined_nonce +
                                                       ",p=" + ucs::auth::base64_encode(altered));
        INFO("byte " << i);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error() == Error::bad_proof);
    }
    // A proof of the wrong length is well-formed base64 but cannot be right.
    const auto short_proof = server.verify_client_final("c=biws,r=" + rfc7677::combined_nonce +
                                                        ",p=" + ucs::auth::base64_encode(proof.substr(0, 31)));
    REQUIRE_FALSE(short_proof.has_value());
    CHECK(short_proof.error() == Error::bad_proof);
}

TEST_CASE("a tampered server signature is refused by the client", "[scram]") {
    const Client client = rfc_client_after_final();
    const std::string signature = *ucs::auth::base64_decode(rfc7677::server_final.substr(2));
    for (std::size_t i = 0; i < signature.size(); ++i) {
        std::string altered = signature;
        altered[i] = static_cast<char>(altered[i] ^ 0x80);
        INFO("byte " << i);
        CHECK(client.verify_server_final("v=" + ucs::auth::base64_encode(altered)) == Error::bad_server_signature);
    }
    CHECK(client.verify_server_final("v=" + ucs::auth::base64_encode(signature.substr(0, 31))) ==
          Error::bad_server_signature);
    CHECK(client.verify_server_final("v=") == Error::bad_server_signature);
    // A genuine signature from another exchange (another server nonce) does not prove this one.
    auto first = parse_client_first(rfc7677::client_first);
    REQUIRE(first.has_value());
    const ServerExchange other_server(std::move(*first), rfc_verifier(), "another-server-nonce");
    Client other_client(rfc7677::username, rfc7677::password, rfc7677::client_nonce);
    const auto other_final = other_server.verify_client_final(*other_client.client_final(other_server.server_first()));
    REQUIRE(other_final.has_value());
    CHECK(client.verify_server_final(*other_final) == Error::bad_server_signature);
}

TEST_CASE("the client accepts no server final before its own final message succeeded", "[scram]") {
    Client client(rfc7677::username, rfc7677::password, rfc7677::client_nonce);
    CHECK(client.verify_server_final(rfc7677::server_final) == Error::bad_server_signature);
    // A failed client_final() forgets what an earlier one expected.
    REQUIRE(client.client_final(rfc7677::server_first).has_value());
    REQUIRE_FALSE(client.client_final("r=someone-else,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096").has_value());
    CHECK(client.verify_server_final(rfc7677::server_final) == Error::bad_server_signature);
}

TEST_CASE("a server nonce that does not extend the client's is refused", "[scram]") {
    Client client(rfc7677::username, rfc7677::password, rfc7677::client_nonce);
    for (const std::string& nonce :
         std::vector<std::string>{std::string("XOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"),
                                  std::string("rOprNGfwEbeRWgbNEkq"),             // shorter than ours
                                  rfc7677::client_nonce,                          // the server added nothing
                                  std::string("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"),  // the server's part alone
                                  "x" + rfc7677::combined_nonce}) {
        INFO("nonce " << nonce);
        const auto result = client.client_final("r=" + nonce + ",s=" + rfc7677::salt_base64 + ",i=4096");
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error() == Error::nonce_mismatch);
    }
}

TEST_CASE("the server refuses a client final that does not carry the combined nonce", "[scram]") {
    const ServerExchange server = rfc_server();
    const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    for (const std::string& nonce :
         std::vector<std::string>{rfc7677::client_nonce, rfc7677::combined_nonce + "x",
                                  rfc7677::combined_nonce.substr(0, rfc7677::combined_nonce.size() - 1)}) {
        INFO("nonce " << nonce);
        const auto result = server.verify_client_final("c=biws,r=" + nonce + "," + proof);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error() == Error::nonce_mismatch);
    }
}

TEST_CASE("a server asking for fewer iterations than the client accepts is refused", "[scram]") {
    const std::string server_first = "r=" + rfc7677::combined_nonce + ",s=" + rfc7677::salt_base64 + ",i=4095";
    Client client(rfc7677::username, rfc7677::password, rfc7677::client_nonce);
    const auto refused = client.client_final(server_first);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error() == Error::weak_iterations);

    Client lenient(rfc7677::username, rfc7677::password, rfc7677::client_nonce, 1000);
    CHECK(lenient.client_final(server_first).has_value());
    CHECK(lenient.client_final("r=" + rfc7677::combined_nonce + ",s=" + rfc7677::salt_base64 + ",i=999").error() ==
          Error::weak_iterations);
}

TEST_CASE("malformed client first messages are refused as malformed", "[scram]") {
    for (const std::string& message : std::vector<std::string>{
             std::string(""),
             std::string("n,,"),
             std::string("y,,n=user,r=abc"),             // client supports channel binding
             std::string("p=tls-unique,,n=user,r=abc"),  // client wants channel binding
             std::string("n,a=admin,n=user,r=abc"),      // authzid
             std::string("n,a=,n=user,r=abc"),
             std::string("n,n=user,r=abc"),  // gs2 header cut short
             std::string("N,,n=user,r=abc"),
             std::string("n,,r=abc"),   // no username
             std::string("n,,n=user"),  // no nonce
             std::string("n,,n=user,"),
             std::string("n,,r=abc,n=user"),  // wrong order
             std::string("n,,m=ext,n=user,r=abc"),
             std::string("n,,n=user,r=abc,m=ext"),
             std::string("n,,n=user,r=abc,x=ext"),
             std::string("n,,n=user,r=abc,"),
             std::string("n,,n=,r=abc"),  // empty username
             std::string("n,,n=us=2Der,r=abc"),
             std::string("n,,n=user=,r=abc"),
             std::string("n,,n=us\0er,r=abc", 16),
             std::string("n,,n=user,r="),  // empty nonce
             std::string("n,,n=user,r=a b"),
             std::string("n,,n=user,r=abc\x7f"),
             std::string("n,,n=user,r=abc\xc3\xa9"),
             std::string("n,,n=user,,r=abc"),
             std::string("n,,nuser,r=abc"),
         }) {
        INFO("message \"" << message << "\"");
        const auto parsed = parse_client_first(message);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == Error::malformed);
    }
}

TEST_CASE("malformed server first messages are refused by the client as malformed", "[scram]") {
    const std::string nonce = "r=" + rfc7677::combined_nonce;
    const std::string salt = "s=" + rfc7677::salt_base64;
    for (const std::string& message : std::vector<std::string>{
             std::string(""),
             nonce + "," + salt,                         // no iteration count
             nonce + ",i=4096",                          // no salt
             salt + "," + nonce + ",i=4096",             // wrong order
             "m=ext," + nonce + "," + salt + ",i=4096",  // reserved extension
             nonce + "," + salt + ",i=4096,m=ext",
             nonce + "," + salt + ",i=4096,x=ext",
             nonce + "," + salt + ",i=4096,",
             nonce + ",s=not base64!,i=4096",
             nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ,i=4096",    // unpadded
             nonce + ",s=W22ZaJ0SNY7soEsUEjb6gR==,i=4096",  // non-canonical
             nonce + ",s=,i=4096",                          // no salt bytes
             nonce + "," + salt + ",i=0",
             nonce + "," + salt + ",i=-4096",
             nonce + "," + salt + ",i=+4096",
             nonce + "," + salt + ",i=04096",
             nonce + "," + salt + ",i=abc",
             nonce + "," + salt + ",i=4096x",
             nonce + "," + salt + ",i= 4096",
             nonce + "," + salt + ",i=",
             nonce + "," + salt + ",i=4096.0",
             nonce + "," + salt + ",i=99999999999999999999",  // does not fit an int
             nonce + "," + salt + ",i=2147483648",
             "r=," + salt + ",i=4096",
             nonce + " x," + salt + ",i=4096",
             "R=" + rfc7677::combined_nonce + "," + salt + ",i=4096",
             "e=other-error",
         }) {
        INFO("message \"" << message << "\"");
        Client client(rfc7677::username, rfc7677::password, rfc7677::client_nonce);
        const auto result = client.client_final(message);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error() == Error::malformed);
    }
}

TEST_CASE("malformed client final messages are refused by the server as malformed", "[scram]") {
    const ServerExchange server = rfc_server();
    const std::string nonce = "r=" + rfc7677::combined_nonce;
    const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    for (const std::string& message : std::vector<std::string>{
             std::string(""),
             "c=biws," + nonce,                                // no proof
             "c=biws," + proof,                                // no nonce
             nonce + "," + proof,                              // no channel binding
             nonce + ",c=biws," + proof,                       // wrong order
             "c=eSws," + nonce + "," + proof,                  // "y,,": the client claims it could bind
             "c=cD10bHMtdW5pcXVlLCw=," + nonce + "," + proof,  // "p=tls-unique,,"
             "c=," + nonce + "," + proof,
             "c=biws," + nonce + ",m=ext," + proof,
             "c=biws," + nonce + ",x=ext," + proof,
             "c=biws," + nonce + "," + proof + ",x=ext",
             "c=biws," + nonce + "," + proof + ",",
             "c=biws," + nonce + ",p=not base64!",
             "c=biws," + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",  // unpadded
             "c=biws,r=," + proof,
             "c=biws,r=a b," + proof,
             "C=biws," + nonce + "," + proof,
         }) {
        INFO("message \"" << message << "\"");
        const auto result = server.verify_client_final(message);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error() == Error::malformed);
    }
}

TEST_CASE("malformed server final messages are refused by the client as malformed", "[scram]") {
    const Client client = rfc_client_after_final();
    for (const std::string& message : std::vector<std::string>{
             std::string(""),
             std::string("e=invalid-proof"),
             std::string("v=not base64!"),
             std::string("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4"),
             rfc7677::server_final + ",x=ext",
             rfc7677::server_final + ",",
             "V" + rfc7677::server_final.substr(1),
             "m=ext," + rfc7677::server_final,
         }) {
        INFO("message \"" << message << "\"");
        CHECK(client.verify_server_final(message) == Error::malformed);
    }
}

TEST_CASE("every proper prefix of a valid message is refused", "[scram]") {
    Client client(rfc7677::username, rfc7677::password, rfc7677::client_nonce);
    for (std::size_t length = 0; length < rfc7677::server_first.size(); ++length) {
        INFO("server first \"" << rfc7677::server_first.substr(0, length) << "\"");
        CHECK_FALSE(client.client_final(rfc7677::server_first.substr(0, length)).has_value());
    }
    const ServerExchange server = rfc_server();
    for (std::size_t length = 0; length < rfc7677::client_final.size(); ++length) {
        INFO("client final \"" << rfc7677::client_final.substr(0, length) << "\"");
        CHECK_FALSE(server.verify_client_final(rfc7677::client_final.substr(0, length)).has_value());
    }
    const Client finished = rfc_client_after_final();
    for (std::size_t length = 0; length < rfc7677::server_final.size(); ++length) {
        INFO("server final \"" << rfc7677::server_final.substr(0, length) << "\"");
        CHECK(finished.verify_server_final(rfc7677::server_final.substr(0, length)).has_value());  // an error
    }
}

TEST_CASE("a client final with any character replaced is refused", "[scram]") {
    const ServerExchange server = rfc_server();
    for (std::size_t i = 0; i < rfc7677::client_final.size(); ++i) {
        for (const char replacement : {',', '=', 'A', 'c', '\0', '\xff'}) {
            if (rfc7677::client_final[i] == replacement) continue;
            std::string altered = rfc7677::client_final;
            altered[i] = replacement;
            INFO("position " << i << ", replacement " << static_cast<int>(replacement));
            CHECK_FALSE(server.verify_client_final(altered).has_value());
        }
    }
}

TEST_CASE("username escaping round-trips ',' and '='", "[scram]") {
    using ucs::auth::scram::escape_username;
    using ucs::auth::scram::unescape_username;
    CHECK(escape_username("user") == "user");
    CHECK(escape_username("a,b=c") == "a=2Cb=3Dc");
    CHECK(escape_username(",,==") == "=2C=2C=3D=3D");
    for (const std::string& username :
         std::vector<std::string>{std::string("user"), std::string("a,b=c"), std::string(",,=="), std::string("=2C"),
                                  std::string("agent\xc3\xa9")}) {
        INFO("username \"" << username << "\"");
        CHECK(unescape_username(escape_username(username)) == username);
    }
}

TEST_CASE("unescaping refuses '=' sequences other than =2C and =3D", "[scram]") {
    using ucs::auth::scram::unescape_username;
    for (const std::string& saslname :
         std::vector<std::string>{std::string("=2D"), std::string("a=2c"), std::string("a=3d"), std::string("a="),
                                  std::string("a=2"), std::string("a,b"), std::string(""), std::string("a\0b", 3)}) {
        INFO("saslname \"" << saslname << "\"");
        CHECK_FALSE(unescape_username(saslname).has_value());
    }
}

TEST_CASE("every scram error has a description", "[scram]") {
    for (const Error error : {Error::malformed, Error::nonce_mismatch, Error::bad_proof, Error::bad_server_signature,
                              Error::weak_iterations}) {
        CHECK(std::string(ucs::auth::scram::to_string(error)).size() > 5);
    }
}

TEST_CASE("a client refuses a server asking for more iterations than a page can afford", "[scram]") {
    ucs::auth::scram::Client client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    const auto result = client.client_final("r=rOprNGfwEbeRWgbNEkqOserver,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2000000000");
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == ucs::auth::scram::Error::excessive_iterations);
}
