#!/usr/bin/env bash
# Fetch the published FHIR profiles tests/integration/fhir-profiles.test.js validates against
# (docs/internals/PROFILES.md): the IPS package hl7.fhir.uv.ips@2.0.0 from the npm registry.
# npm cannot install it (it depends on hl7.fhir.r4.core, which npm lacks), so its tarball is
# fetched, checked against the pinned integrity (a mismatch fails loudly and keeps nothing),
# and unpacked under build/fhir-packages. Run by scripts/bootstrap.sh --test.
set -euo pipefail
cd "$(dirname "$0")/.."

ips=hl7.fhir.uv.ips-2.0.0
ips_sri="sha512-4PWToJ9b1FgXsm9DIvHiU6HO9Z5m75jxk0e0MXOmhFlf2m2slk/d6RoiSYIChKJlvmtJ7GbRftt7PphlwmZcbQ=="
dir=build/fhir-packages
[ -f "$dir/$ips/.verified" ] && exit 0
mkdir -p "$dir"
rm -rf "${dir:?}/$ips" "$dir/$ips.tgz"
echo "fhir-packages: fetching $ips"
npm pack hl7.fhir.uv.ips@2.0.0 --pack-destination "$dir" --silent >/dev/null 2>&1 ||
	curl -fsSL -o "$dir/$ips.tgz" "https://registry.npmjs.org/hl7.fhir.uv.ips/-/$ips.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$dir/$ips.tgz" | base64 -w0)"
if [ "$got" != "$ips_sri" ]; then
	echo "fhir-packages: $ips.tgz does NOT match its pinned integrity; refusing it" >&2
	echo "  expected $ips_sri" >&2
	echo "  got      $got" >&2
	rm -f "$dir/$ips.tgz"
	exit 1
fi
mkdir -p "$dir/$ips"
tar -xzf "$dir/$ips.tgz" -C "$dir/$ips"
touch "$dir/$ips/.verified"
echo "fhir-packages: $ips verified and unpacked in $dir/$ips"
