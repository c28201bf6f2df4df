#!/usr/bin/env bash
# make check: the conventions that a machine can keep (CONVENTIONS.md §2, §3, §5; issue 13).
# Prints one "file:line: rule: message" per violation and fails if there is any. Takes seconds.
#
#   banned   a banned function (§5) in src/, tests/ or tools/; src/util/banned.h also poisons
#            them in every compile, this catches them in files the build does not compile
#   sql      SQLite or SQL text outside src/store (§2: SQL lives only in store)
#   sodium   libsodium outside src/crypto and src/vault (§7: keys and their calls stay there)
#   role     a role compared in src/web or src/fhir (§3: handlers never inline a role check;
#            a route's access kind or the policy module decides)
#   layer    an #include that points back up the layer order (table below), or one of
#            another layer's private *_int.h headers
#   wipe     explicit_bzero, memset_s or sodium_memzero outside src/util/wipe.c (one wipe(),
#            util/wipe.h)
#   cap      a buffer or arena created with a bare number as its maximum (buf_init,
#            arena_init): every cap is named in src/limits.h with its reason (§4, §6)
#   size     a source file in src/ over MAX_FILE_LINES lines
#   function a function in src/ whose body is over MAX_FUNCTION_LINES lines
#
#   scripts/check.sh            check, print violations, exit 1 if any
#   scripts/check.sh --tally    as above, but record the exit status in build/test/check.rc
#                               for scripts/test.sh to count, and always exit 0
set -uo pipefail
cd "$(dirname "$0")/.."

MAX_FILE_LINES=900
MAX_FUNCTION_LINES=120

# The layer order for includes: a file may include headers of its own layer and of any layer
# with a lower rank; two layers of the same rank may not include each other. This is the call
# order of CONVENTIONS.md §2 as the code needs it at compile time:
#   - web and fhir render with http's request/response helpers, and http calls them only
#     through the route table's function pointers: so http sits below them and names no
#     handler (issue 13 item 2);
#   - policy is the decision every layer below the handlers asks, and its sealed grant
#     (policy/grant.h) and actor types are checked again inside store and vault: so policy
#     sits below store and vault, and depends only on crypto and util;
#   - the vault client does not read store rows (issue 13 item 4), so store and vault share a
#     rank and neither includes the other;
#   - hl7 is a parser of outside input like http/parse.c, pure and without state: it needs
#     only util, and the listener and ingestion above it call down into it;
#   - ingest turns a feed's HL7 message into domain services (above domain, below auth's
#     callers); mllp is the feed listener, a peer of http that calls ingest;
#   - util depends on nothing of ours but limits.h, which anyone may include.
LAYERS="
main    90
web     80
fhir    80
http    70
mllp    70
ingest  55
auth    60
domain  50
audit   40
store   30
vault   30
policy  20
crypto  10
proc    10
hl7     10
util    0
limits.h -1
"

# Genuine exceptions, one a line: rule|file|a fixed string of the message  # and the reason.
# Keep this short: a violation that is merely inconvenient is not an exception. None so far.
EXCEPTIONS="
"

tally=0
[ "${1:-}" = "--tally" ] && tally=1

files=$(find src tests/unit tests/fuzz tools -name '*.[ch]' | sort)

out=$(awk -v max_file="$MAX_FILE_LINES" -v max_fn="$MAX_FUNCTION_LINES" -v layers="$LAYERS" '
function report(rule, msg) {
	printf "%s:%d: %s: %s\n", FILENAME, FNR, rule, msg
}
function report_at(line, rule, msg) {
	printf "%s:%d: %s: %s\n", FILENAME, line, rule, msg
}
# The top-level layer of a path under src/ ("store" for src/store/sqlite/x.c, "limits.h").
function layer_of(path,    parts) {
	split(path, parts, "/")
	return parts[1]
}
BEGIN {
	n = split(layers, lines, "\n")
	for (i = 1; i <= n; i++) {
		if (split(lines[i], f, " ") == 2)
			rank[f[1]] = f[2] + 0
	}
	banned = "(^|[^A-Za-z0-9_>.])(strcpy|strcat|sprintf|vsprintf|strncpy|strtok|atoi|strtol|gets|sscanf)[ \t]*\\("
	sodium_id = "(^|[^A-Za-z0-9_])(sodium_[a-z0-9_]+|randombytes_[a-z0-9_]+|crypto_(aead|secretbox|secretstream|box|sign|pwhash|kdf|kx|generichash|shorthash|hash|auth|onetimeauth|scalarmult|stream|core|verify)_[A-Za-z0-9_]*)"
	sql_text = "(SELECT [A-Za-z_*(]|INSERT (OR [A-Z]+ )?INTO |UPDATE [A-Za-z_]+ SET |DELETE FROM |CREATE (TABLE|INDEX|TRIGGER|VIEW) |PRAGMA [a-z_])"
	role_cmp = "(==|!=)[ \t]*ROLE_|ROLE_[A-Z_]+[ \t]*(==|!=)|case[ \t]+ROLE_|(^|[^A-Za-z0-9_])role[ \t]*(==|!=)|switch[ \t]*\\(.*role[ \t]*\\)"
}
FNR == 1 {
	if (prev_file != "")
		end_file()
	prev_file = FILENAME
	in_comment = 0
	in_fn = 0
	insrc = FILENAME ~ /^src\//
	rel = FILENAME; sub(/^src\//, "", rel)
	mylayer = insrc ? layer_of(rel) : ""
	if (insrc && rel !~ /\//)
		mylayer = rel                     # a file at the top of src/ (limits.h)
	is_store = FILENAME ~ /^src\/store\//
	is_engine = FILENAME ~ /^src\/store\/sqlite\/(engine_sqlite\.c|schema\.c|store_files\.c|store_int\.h)$/
	is_keys = FILENAME ~ /^src\/(crypto|vault)\//
	is_handler = FILENAME ~ /^src\/(web|fhir)\//
	sig_line = 0; sig_name = ""
}
{
	last_fnr = FNR
	# code: the line without comments or string/char literal contents; text: without
	# comments only (for SQL inside string literals).
	line = $0; code = ""; text = ""
	i = 1; L = length(line)
	while (i <= L) {
		c = substr(line, i, 1); c2 = substr(line, i, 2)
		if (in_comment) {
			if (c2 == "*/") { in_comment = 0; i += 2; code = code "  "; text = text "  "; continue }
			code = code " "; text = text " "; i++; continue
		}
		if (c2 == "/*") { in_comment = 1; i += 2; code = code "  "; text = text "  "; continue }
		if (c2 == "//") break
		if (c == "\"" || c == "\047") {
			q = c; code = code c; text = text c; i++
			while (i <= L) {
				c = substr(line, i, 1)
				if (c == "\\") { code = code "  "; text = text substr(line, i, 2); i += 2; continue }
				if (c == q) break
				code = code " "; text = text c; i++
			}
			code = code q; text = text q; i++
			continue
		}
		code = code c; text = text c; i++
	}

	if (code ~ banned) {
		match(code, banned); s = substr(code, RSTART, RLENGTH); gsub(/^[^a-z]|[ \t(]/, "", s)
		report("banned", s "() is banned (CONVENTIONS.md §5): use snprintf/strlcpy, buf, or strtonum")
	}
	if (!insrc)
		next

	if (is_store && !is_engine && (code ~ /(^|[^A-Za-z0-9_])(sqlite3_|SQLITE_)/ || code ~ /#[ \t]*include[ \t]*<sqlite3\.h>/))
		report("engine", "SQLite calls in a store part: use db_stmt.h (docs/internals/STORE.md)")
	if (!is_store) {
		if (code ~ /(^|[^A-Za-z0-9_])sqlite3_/ || code ~ /#[ \t]*include[ \t]*<sqlite3\.h>/)
			report("sql", "SQLite outside src/store (CONVENTIONS.md §2: SQL lives only in store)")
		else if (text ~ sql_text)
			report("sql", "SQL text outside src/store (CONVENTIONS.md §2: SQL lives only in store)")
	}
	if (!is_keys) {
		if (code ~ /#[ \t]*include[ \t]*<sodium\.h>/)
			report("sodium", "<sodium.h> outside src/crypto and src/vault (use crypto/crypto.h, wipe())")
		else if (code ~ sodium_id) {
			match(code, sodium_id); s = substr(code, RSTART, RLENGTH); gsub(/^[^a-z]/, "", s)
			report("sodium", s " outside src/crypto and src/vault (use crypto/crypto.h, wipe())")
		}
	}
	if (FILENAME != "src/util/wipe.c" && code ~ /(^|[^A-Za-z0-9_])(explicit_bzero|memset_s|sodium_memzero)[ \t]*\(/)
		report("wipe", "wipe memory with wipe() (util/wipe.h), the one spelling")
	if (code ~ /(^|[^A-Za-z0-9_])buf_init[ \t]*\([^,]*,[^,]*,[ \t]*\(?[0-9]/ ||
	    code ~ /(^|[^A-Za-z0-9_])arena_init[ \t]*\([^,]*,[ \t]*\(?[0-9]/)
		report("cap", "a bare number as a buffer cap: name it in src/limits.h with its reason")
	if (is_handler && code ~ role_cmp)
		report("role", "role check in a handler (CONVENTIONS.md §3: the route access kind or policy decides)")

	if (code ~ /^[ \t]*#[ \t]*include[ \t]*"/) {
		inc = text; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
		il = (inc ~ /\//) ? layer_of(inc) : inc
		if (!(il in rank)) {
			report("layer", "\"" inc "\": layer " il " is not in the layer table of scripts/check.sh")
		} else if (!(mylayer in rank)) {
			report("layer", "layer " mylayer " is not in the layer table of scripts/check.sh")
		} else if (il != mylayer && rank[il] >= rank[mylayer]) {
			report("layer", mylayer " includes \"" inc "\" (" il " is not below " mylayer ")")
		} else if (inc ~ /_int\.h$/ && il != mylayer) {
			report("layer", mylayer " includes \"" inc "\", private to " il)
		}
	}

	# Functions: a signature starting at column 0, then "{" alone at column 0, until "}" at
	# column 0.
	if (!in_fn && FILENAME ~ /\.c$/) {
		if ($0 == "{" && sig_line > 0) {
			in_fn = 1; fn_start = sig_line; fn_name = sig_name; body = FNR
		} else if ($0 ~ /^[A-Za-z_].*\(/ && $0 !~ /;[ \t]*$/ && $0 !~ /^(typedef|struct [A-Za-z_]+ *\{)/) {
			s = $0; sub(/\(.*/, "", s); sub(/.*[ *]/, "", s)
			sig_line = FNR; sig_name = s
		} else if ($0 ~ /^[ \t]*$/ || $0 ~ /;[ \t]*$/ || $0 ~ /^[#}]/) {
			sig_line = 0
		}
	} else if (in_fn && $0 ~ /^}/) {
		in_fn = 0; sig_line = 0
		if (FNR - body - 1 > max_fn)
			report_at(fn_start, "function", fn_name "() is " (FNR - body - 1) " lines (max " max_fn ")")
	}
}
function end_file() {
	if (prev_file ~ /^src\// && last_fnr > max_file)
		printf "%s:%d: size: %d lines (max %d)\n", prev_file, 1, last_fnr, max_file
}
END {
	if (prev_file != "")
		end_file()
}
' $files)

# Drop the listed exceptions.
while IFS='|' read -r rule file what; do
	[ -n "$rule" ] || continue
	out=$(printf '%s\n' "$out" | awk -v r="$rule" -v f="$file" -v w="$what" '
		index($0, f ":") == 1 && index($0, ": " r ": ") > 0 && index($0, w) > 0 { next } { print }')
done <<<"$(printf '%s\n' "$EXCEPTIONS" | sed -n 's/^[ \t]*\([a-z]*|[^|]*|[^#]*[^ #]\).*/\1/p')"

rc=0
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "check: $(printf '%s\n' "$out" | wc -l) violations"
	rc=1
else
	echo "check: ok ($(printf '%s\n' "$files" | wc -l) files)"
fi
if [ $tally -eq 1 ]; then
	mkdir -p build/test
	echo $rc >build/test/check.rc
	exit 0
fi
exit $rc
