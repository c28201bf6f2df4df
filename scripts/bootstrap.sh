#!/usr/bin/env bash
# Install what building and running medkeep needs on Debian 12, only what is missing;
# with --test, also the attack tools the tests run against it (tests/integration/scanners).
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(build-essential pkg-config libmicrohttpd-dev libsodium-dev libsqlite3-dev libjansson-dev libseccomp-dev libssl-dev libqrencode-dev libcbor-dev libgnutls28-dev libpq-dev
      libcurl4-openssl-dev john-data tzdata
      sqlite3 clang libclang-rt-14-dev chromium nodejs npm nginx-light wrk curl ca-certificates)
if [ "${1:-}" = "--test" ]; then
	debs+=(openssl sqlmap wapiti testssl.sh hydra slowhttptest postgresql)
fi
missing=()
for p in "${debs[@]}"; do
	# nodejs/npm may come from elsewhere (a newer Node on the PATH): accept the commands.
	case "$p" in
		nodejs) command -v node >/dev/null && continue ;;
		npm) command -v npm >/dev/null && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "bootstrap: installing ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the tests, exactly as locked.
stamp=node_modules/.medkeep-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
	echo "bootstrap: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
	cp package-lock.json "$stamp"
fi


# The published FHIR profiles the profile tests validate against (scripts/fhir-packages.sh).
if [ "${1:-}" = "--test" ]; then
	scripts/fhir-packages.sh
fi
