#!/bin/sh
# The agent bar's SSO token from a shell, as a CRM back end (or a test script) would make it:
#
#   sso-token.sh SECRET USERNAME [TIMESTAMP]      (TIMESTAMP: Unix seconds, default now)
#
# token = base64(sha1_binary(secret + username + timestamp) + username + timestamp): the raw 20-byte
# digest, not its hex form, followed by the plain username and timestamp. Prints the same token as
# the C++ program sso_token.cpp (checked by ctest).
set -eu
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 SECRET USERNAME [TIMESTAMP]" >&2; exit 2; }
secret=$1 username=$2 timestamp=${3:-$(date +%s)}
{ printf '%s%s%s' "$secret" "$username" "$timestamp" | openssl sha1 -binary; printf '%s%s' "$username" "$timestamp"; } | base64 | tr -d '\n'; echo
