# shellcheck shell=bash
# harness/lib/facts.sh - checks a scenario's "expect" file against a console log
# (sourced by harness/run.sh; bash). The syntax is documented in docs/harness.md
# and at the top of every expect file; in short, one fact per line:
#
#   line <text>                 some console line is exactly <text>
#   match <ERE>                 some console line matches <ERE> (grep -E)
#   no-match <ERE>              no console line matches <ERE>
#   all-match <ERE>             every line matches <ERE> (meant for artifacts)
#   count <N> <ERE>             exactly N console lines match <ERE>
#   lines <OP> <N>              the number of lines compares (OP: = != < <= > >=)
#   rc <command> => <code>      the first "+ <command>" line printed by run() is
#                               followed by "rc=<code>"; <code> is a number or !N
#                               (anything but N, e.g. !0 = failed)
#   rc#<k> <command> => <code>  the same for the k-th "+ <command>"
#   output <command> => <ERE>   a line printed by the first run <command> (between
#                               "+ <command>" and its "rc=") matches <ERE>
#   output#<k> ...              the same for the k-th run
#   in <artifact> <fact>        line/match/no-match/count/lines on an artifact file
#                               instead of the console log
#
# '#' lines are comments; the comment lines directly above a fact (no blank line
# between) are its description. Kind and argument are separated by one space;
# the rest of the line is taken verbatim.

# facts_validate EXPECT: print "FILE:LINE: problem" for every malformed fact
facts_validate() {
	local f=$1 n=0 raw kind arg
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		raw=${raw%$'\r'}
		[[ $raw =~ ^[[:space:]]*(#|$) ]] && continue
		if ! _fact_parse "$raw"; then
			echo "$f:$n: $FACT_ERR"
		fi
	done < "$f"
}

# _fact_parse RAW: sets FACT_TARGET ("" = console), FACT_KIND, FACT_NTH, FACT_A,
# FACT_B; returns 1 with FACT_ERR on a syntax error
_fact_parse() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	FACT_TARGET='' FACT_KIND='' FACT_NTH=1 FACT_A='' FACT_B='' FACT_ERR=''
	if [[ $s =~ ^in\ ([A-Za-z0-9_.-]+)\ (.*)$ ]]; then
		FACT_TARGET=${BASH_REMATCH[1]}
		s=${BASH_REMATCH[2]}
	fi
	local kind=${s%% *} arg=
	[[ $s == *" "* ]] && arg=${s#* }
	if [[ $kind =~ ^(rc|output)#([0-9]+)$ ]]; then
		kind=${BASH_REMATCH[1]}
		FACT_NTH=${BASH_REMATCH[2]}
		[ "$FACT_NTH" -ge 1 ] || { FACT_ERR="'$kind#0': occurrences count from 1"; return 1; }
	fi
	FACT_KIND=$kind
	[ -n "$arg" ] || { FACT_ERR="'$kind' needs an argument"; return 1; }
	case $kind in
	line | match | no-match | all-match)
		FACT_A=$arg ;;
	count)
		[[ $arg =~ ^([0-9]+)\ (.+)$ ]] || { FACT_ERR="expected 'count <N> <ERE>'"; return 1; }
		FACT_A=${BASH_REMATCH[1]} FACT_B=${BASH_REMATCH[2]} ;;
	lines)
		[[ $arg =~ ^(=|!=|<|<=|>|>=)\ ([0-9]+)$ ]] ||
			{ FACT_ERR="expected 'lines <OP> <N>' with OP one of = != < <= > >="; return 1; }
		FACT_A=${BASH_REMATCH[1]} FACT_B=${BASH_REMATCH[2]} ;;
	rc)
		[[ $arg == *" => "* ]] || { FACT_ERR="expected 'rc <command> => <code>'"; return 1; }
		FACT_A=${arg% => *} FACT_B=${arg##* => }
		[[ $FACT_B =~ ^!?[0-9]+$ ]] || { FACT_ERR="rc code '$FACT_B' is not N or !N"; return 1; } ;;
	output)
		[[ $arg == *" => "* ]] || { FACT_ERR="expected 'output <command> => <ERE>'"; return 1; }
		FACT_A=${arg%% => *} FACT_B=${arg#* => } ;;
	*)
		FACT_ERR="unknown fact '$kind' (line, match, no-match, all-match, count, lines, rc, output, in)"
		return 1 ;;
	esac
	if [ -n "$FACT_TARGET" ] && [[ $kind == rc || $kind == output ]]; then
		FACT_ERR="'$kind' facts only apply to the console log, not to artifact '$FACT_TARGET'"
		return 1
	fi
	return 0
}

# _rc_of LOG N CMD: the rc= value printed after the N-th "+ CMD" line
_rc_of() {
	awk -v want="+ $3" -v n="$2" '
		$0 == want { if (++c == n) f = 1; next }
		f && /^rc=[0-9]+$/ { sub(/^rc=/, ""); print; exit }' "$1"
}
# _output_of LOG N CMD: the lines between the N-th "+ CMD" and its "rc=" line
_output_of() {
	awk -v want="+ $3" -v n="$2" '
		!f && $0 == want { if (++c == n) f = 1; next }
		f && /^rc=[0-9]+$/ { exit }
		f { print }' "$1"
}
_cmp() { # _cmp A OP B
	case $2 in
	'=') [ "$1" -eq "$3" ] ;; '!=') [ "$1" -ne "$3" ] ;;
	'<') [ "$1" -lt "$3" ] ;; '<=') [ "$1" -le "$3" ] ;;
	'>') [ "$1" -gt "$3" ] ;; '>=') [ "$1" -ge "$3" ] ;;
	esac
}

# shellcheck disable=SC2034 # FACT_GOT is read by run.sh
# fact_eval FILE: evaluate the parsed fact (FACT_*) against FILE; returns 0 if it
# holds, else 1 with FACT_GOT describing what was found
fact_eval() {
	local file=$1 got n
	FACT_GOT=
	case $FACT_KIND in
	line) grep -aqxF -- "$FACT_A" "$file" && return 0
		FACT_GOT="no such line" ;;
	match) grep -aqE -- "$FACT_A" "$file" && return 0
		FACT_GOT="no line matches" ;;
	no-match)
		got=$(grep -aE -m 1 -- "$FACT_A" "$file") || return 0
		FACT_GOT="found: $got" ;;
	all-match)
		got=$(grep -avE -m 1 -- "$FACT_A" "$file") || return 0
		FACT_GOT="this line does not: $got" ;;
	count)
		n=$(grep -acE -- "$FACT_B" "$file" || true)
		[ "$n" -eq "$FACT_A" ] && return 0
		FACT_GOT="$n lines match" ;;
	lines)
		n=$(wc -l < "$file")
		_cmp "$n" "$FACT_A" "$FACT_B" && return 0
		FACT_GOT="$n lines" ;;
	rc)
		got=$(_rc_of "$file" "$FACT_NTH" "$FACT_A")
		if [ -z "$got" ]; then
			FACT_GOT="no run #$FACT_NTH of '$FACT_A' with an rc= line in the log"
			return 1
		fi
		if [[ $FACT_B == !* ]]; then
			[ "$got" != "${FACT_B#!}" ] && return 0
		else
			[ "$got" = "$FACT_B" ] && return 0
		fi
		FACT_GOT="rc=$got" ;;
	output)
		if [ "$(grep -acxF -- "+ $FACT_A" "$file" || true)" -lt "$FACT_NTH" ]; then
			FACT_GOT="no run #$FACT_NTH of '$FACT_A' in the log"
			return 1
		fi
		got=$(_output_of "$file" "$FACT_NTH" "$FACT_A")
		grep -aqE -- "$FACT_B" <<< "$got" && return 0
		FACT_GOT="its output was: $(printf '%s' "$got" | head -5 | tr '\n' '|')" ;;
	esac
	return 1
}
