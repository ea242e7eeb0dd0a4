#!/usr/bin/env bash
# A team on one server, measured with real inboxes: OPS operators, each running the release
# binary in its own tmux pane (120×40) with its own state dir, on one team dir, against the
# sandbox at N conversations. Prints the platform requests per account per minute over
# MINUTES minutes once every inbox has its list, and the resident memory of the OPS inboxes.
#
#   cargo build --release && N=10000 OPS=20 MINUTES=2 benches/team.sh
#
# Needs tmux, curl and python3. Not run by CI (it takes minutes); its figures are in the README.
set -euo pipefail

N=${N:-10000}
OPS=${OPS:-20}
MINUTES=${MINUTES:-2}
BIN=$(realpath "${BIN:-target/release/handoff}")
work=$(mktemp -d)
sessions=()

cleanup() {
    for s in "${sessions[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
    [[ -n "${sandbox:-}" ]] && kill "$sandbox" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$BIN" sandbox --port 0 --speed 0 --conversations "$N" --state-dir "$work/sandbox" >"$work/sandbox.out" 2>&1 &
sandbox=$!
for _ in $(seq 600); do
    grep -q "Press Ctrl+C" "$work/sandbox.out" 2>/dev/null && break
    sleep 0.1
done
base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/sandbox.out" | head -1)
sed -n '/^config.toml:/,/^Press Ctrl+C/p' "$work/sandbox.out" | sed '1d;$d' >"$work/config.toml"
export HANDOFF_RAIA_KEY=sandbox-raia-key HANDOFF_CHATVOLT_KEY=sandbox-chatvolt-key HANDOFF_CHATDASH_KEY=CD.sandbox-chatdash-key

install -d -m 2770 "$work/team"
for i in $(seq "$OPS"); do
    mkdir -p "$work/op$i"
    sed -e "s/^name = \"operator\"/name = \"Operator $i\"/" -e "s/operator@sandbox.example/op$i@sandbox.example/" \
        "$work/config.toml" >"$work/op$i/config.toml"
    printf '\n[team]\ndir = "%s"\n' "$work/team" >>"$work/op$i/config.toml"
    chmod 600 "$work/op$i/config.toml"
    s="handoff-team-bench-$$-$i"
    sessions+=("$s")
    tmux new-session -d -s "$s" -x 120 -y 40 \
        "HANDOFF_RAIA_KEY=$HANDOFF_RAIA_KEY HANDOFF_CHATVOLT_KEY=$HANDOFF_CHATVOLT_KEY HANDOFF_CHATDASH_KEY=$HANDOFF_CHATDASH_KEY '$BIN' --config '$work/op$i/config.toml' --state-dir '$work/op$i/state'"
done

# Every inbox has its list (all three accounts connected) before the count starts.
for s in "${sessions[@]}"; do
    for _ in $(seq 1200); do
        screen=$(tmux capture-pane -p -t "$s" 2>/dev/null || true)
        [[ "$screen" == *"raia ✓"* && "$screen" == *"volt ✓"* && "$screen" == *"dash ✓"* ]] && break
        sleep 0.5
    done
done
# The backfill of the history is the first minutes' work of any inbox; the steady cost after it.
sleep 60

since=$(curl -s "$base/_sandbox/received/summary" | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_seq"])')
sleep $((MINUTES * 60))
curl -s "$base/_sandbox/received/summary?since=$since" >"$work/summary.json"

rss_kib=0
for s in "${sessions[@]}"; do
    pane=$(tmux list-panes -t "$s" -F '#{pane_pid}')
    pid=$(pgrep -P "$pane" -f handoff || echo "$pane")
    kib=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    rss_kib=$((rss_kib + kib))
done

python3 - "$work/summary.json" "$MINUTES" "$OPS" "$N" "$rss_kib" <<'EOF'
import json, sys
summary, minutes, ops, n, rss = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
per = {p: summary["platforms"][p]["total"] / minutes for p in ("raia", "chatvolt", "chatdash")}
print(f"{ops} inboxes, {n} conversations, over {minutes} min:")
print("  requests per account per minute: " + ", ".join(f"{p} {v:.1f}" for p, v in per.items()))
print(f"  resident memory of the {ops} inboxes: {rss / 1024:.0f} MiB ({rss / 1024 / ops:.1f} MiB each)")
EOF
