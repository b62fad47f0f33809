#!/usr/bin/env bash
# Runs the DNS compatibility battery against one server and prints a transcript normalised for diff.
#
#   test/dns-compat/run.sh DNS_IP DNS_PORT [queries-file]      (default: queries.txt beside this script)
#
# Every query line is run as:  dig @DNS_IP -p DNS_PORT +nocookie +tries=1 +time=2 <line args>
# queries-file syntax: one dig argument list per line; '#' starts a comment (whole line or ' # ...'
# at the end); lines starting with '## ' are copied into the transcript as headings; a leading '~'
# marks a query whose answer is a random subset (trimmed 'many' service): its record data is
# masked (many-NN, 10.0.1.N, idx=NN) so that only counts, types, TTLs, flags and sizes are compared.
# Output per query: '### <args>' then dig's output with
#   dropped:   the '; <<>> DiG' banner, '; (1 server found)', ';; global options', ';; Query time',
#              ';; WHEN' (set DNS_KEEP_TIME=1 to keep ';; Query time')
#   replaced:  ';; SERVER: ip#port(ip) (UDP)' -> ';; TRANSPORT: UDP', 'id: 12345' -> 'id: ID',
#              the SOA serial -> SERIAL, any 'DNS_IP#DNS_PORT' -> SERVER
#   sorted:    the records inside ANSWER, AUTHORITY and ADDITIONAL (servers shuffle them per query)
# Flags, rcode, counts, TTLs, EDNS lines and MSG SIZE are kept.
set -uo pipefail
ip=${1:?usage: run.sh DNS_IP DNS_PORT [queries-file]}
port=${2:?usage: run.sh DNS_IP DNS_PORT [queries-file]}
queries=${3:-$(dirname "$0")/queries.txt}
keep_time=${DNS_KEEP_TIME:-0}

normalise() { # mask(0|1)
  local ipre=${ip//./\\.} mask=(-e '')
  if [[ $1 == 1 ]]; then
    mask=(-e 's/many-[0-9]{2}/many-NN/g' -e 's/10\.0\.1\.[0-9]+/10.0.1.N/g' -e 's/idx=[0-9]{2}/idx=NN/g')
  fi
  sed -E "${mask[@]}" \
    -e "s/${ipre}#${port}/SERVER/g" \
    -e 's/(, id: )[0-9]+/\1ID/' \
    -e 's/^(;; SERVER: ).*\((UDP|TCP)\)$/;; TRANSPORT: \2/' \
    -e 's/^([^;[:space:]]+[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA[[:space:]]+[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+)[0-9]+/\1SERIAL/' |
  awk -v keep_time="$keep_time" '
    /^; <<>> DiG / || /^; \([0-9]+ servers? found\)/ || /^;; global options:/ || /^;; WHEN:/ { next }
    /^;; Query time:/ { if (keep_time == "1") print; next }
    /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:$/ { print; fflush(); insec = 1; next }
    insec && /^$/ { close("LC_ALL=C sort"); insec = 0; print; next }
    insec { print | "LC_ALL=C sort"; next }
    { print }
    END { if (insec) close("LC_ALL=C sort") }
  ' | cat -s
}

set -f  # query names such as '*' must reach dig verbatim
while IFS= read -r line || [[ -n $line ]]; do
  case $line in
    '## '*) printf '%s\n\n' "$line"; continue ;;
    '#'* | '') continue ;;
  esac
  mask=0
  if [[ $line == '~'* ]]; then mask=1; line=${line#\~}; fi
  args=${line%% \#*}
  args=$(printf '%s' "$args" | sed -E 's/[[:space:]]+$//')
  [[ -n $args ]] || continue
  printf '### %s%s\n' "$([[ $mask == 1 ]] && echo '~')" "$args"
  # shellcheck disable=SC2086  # word splitting of the line's arguments is intended
  dig @"$ip" -p "$port" +nocookie +tries=1 +time=2 $args 2>&1 | normalise "$mask"
  printf '\n'
done <"$queries"
