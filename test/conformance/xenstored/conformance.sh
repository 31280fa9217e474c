#!/bin/bash
# Conformance of our xenstored with Xen 4.17's clients (xenstore-utils).
#   conformance.sh PATH/TO/xenstored
# Starts the daemon on sockets in a temporary directory: the dom0 socket, and a test-only
# socket whose clients act as unprivileged domain 5 (for permission and quota denials).
set -u
daemon=${1:?usage: conformance.sh PATH/TO/xenstored}
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-conformance.XXXXXX")
sock=$work/socket
guest=$work/dom5
state=$work/state
pid=
passed=0
failed=0

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

ok()   { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
# expect NAME EXPECTED ACTUAL
expect() { if [ "$2" == "$3" ]; then ok "$1"; else fail "$1 (expected [$2], got [$3])"; fi; }
# succeeds NAME CMD... / fails NAME CMD...
succeeds() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else fail "$n: '$*' failed"; fi; }
fails()    { local n=$1; shift; if "$@" >/dev/null 2>&1; then fail "$n: '$*' succeeded"; else ok "$n"; fi; }
as_dom0()  { XENSTORED_PATH=$sock "$@"; }
as_dom5()  { XENSTORED_PATH=$guest "$@"; }

start() {
  "$daemon" --no-domain-rings --socket "$sock" --domain-socket "5:$guest" \
    --state-file "$state" --pid-file "$work/pid" "$@" 2>"$work/daemon.log" &
  pid=$!
  for _ in $(seq 200); do
    [ -S "$sock" ] && [ -S "$guest" ] && [ -s "$work/pid" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "xenstored did not start:"; cat "$work/daemon.log"; exit 1
}
stop() { kill -TERM "$pid"; wait "$pid"; local rc=$?; pid=; rm -f "$work/pid"; return $rc; }

# Send raw bytes and print the reply's type and payload (Python: only for malformed input).
raw() {
  python3 - "$sock" "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(bytes.fromhex(sys.argv[2]))
s.settimeout(10)
try:
    hdr = b''
    while len(hdr) < 16:
        b = s.recv(16 - len(hdr))
        if not b: print("closed"); sys.exit(0)
        hdr += b
    t, rid, tx, n = struct.unpack('<IIII', hdr)
    body = b''
    while len(body) < n: body += s.recv(n - len(body))
    print(t, body.rstrip(b'\0').decode(errors='replace'))
except (ConnectionResetError, socket.timeout):
    print("closed")
PY
}
msg() {  # msg TYPE TX PAYLOAD-HEX -> hex of one message
  python3 -c "import struct,sys; p=bytes.fromhex(sys.argv[3]); print((struct.pack('<IIII',int(sys.argv[1]),7,int(sys.argv[2]),len(p))+p).hex())" "$@"
}
hexs() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

start

echo "== basic reads and writes"
succeeds "write two nodes" as_dom0 xenstore-write /vm/a 1 /vm/b "two words"
expect "read back" "1" "$(as_dom0 xenstore-read /vm/a)"
expect "read value with spaces" "two words" "$(as_dom0 xenstore-read /vm/b)"
expect "read several" "$(printf '1\ntwo words')" "$(as_dom0 xenstore-read /vm/a /vm/b)"
fails "read missing node" as_dom0 xenstore-read /vm/missing
succeeds "exists" as_dom0 xenstore-exists /vm/a
fails "exists on missing node" as_dom0 xenstore-exists /vm/zzz
expect "list" "$(printf 'a\nb')" "$(as_dom0 xenstore-list /vm)"
succeeds "write nested (parents created)" as_dom0 xenstore-write /vm/c/d/e deep
expect "ls tree" "$(printf 'a = "1"\nb = "two words"\nc = ""\n d = ""\n  e = "deep"')" \
  "$(as_dom0 xenstore-ls /vm)"
fails "invalid path //" as_dom0 xenstore-write /vm//x 1
fails "invalid path chars" as_dom0 xenstore-write '/vm/sp ace' 1
fails "read a special path" as_dom0 xenstore-read @introduceDomain

echo "== removal"
succeeds "rm subtree" as_dom0 xenstore-rm /vm/c
fails "removed node gone" as_dom0 xenstore-read /vm/c/d/e
succeeds "rm missing leaf under an existing parent" as_dom0 xenstore-rm /vm/nothing
fails "rm under a missing parent" as_dom0 xenstore-rm /nothing/at/all

echo "== large directories (DIRECTORY_PART fallback)"
names=()
for i in $(seq 1 300); do names+=("/big/entry-with-a-fairly-long-name-$i" ""); done
succeeds "write 300 children" as_dom0 xenstore-write "${names[@]}"
expect "list all 300" "300" "$(as_dom0 xenstore-list /big | wc -l)"
expect "listing is complete and ordered" "entry-with-a-fairly-long-name-300" "$(as_dom0 xenstore-list /big | tail -1)"

echo "== permissions"
succeeds "chmod" as_dom0 xenstore-chmod /vm/a n0 r5
expect "ls -p shows perms" 'a = "1" (n0,r5)' \
  "$(as_dom0 xenstore-ls -p /vm | head -1 | sed 's/[ .]*  (/ (/')"
expect "guest reads a node it may read" "1" "$(as_dom5 xenstore-read /vm/a 2>/dev/null)"
fails "guest cannot read a dom0-only node" as_dom5 xenstore-read /vm/b
fails "guest cannot list a dom0-only directory" as_dom5 xenstore-list /vm
fails "guest cannot write there" as_dom5 xenstore-write /vm/a 2
fails "guest cannot remove" as_dom5 xenstore-rm /vm/a
fails "guest cannot chmod" as_dom5 xenstore-chmod /vm/a b5
expect "value unchanged after denials" "1" "$(as_dom0 xenstore-read /vm/a)"
succeeds "dom0 prepares the guest's home" as_dom0 xenstore-write /local/domain/5/ready 1
succeeds "and gives it to the guest" as_dom0 xenstore-chmod -r /local/domain/5 n5
succeeds "guest writes relative paths" as_dom5 xenstore-write data/x hello
expect "relative path lands in the domain's home" "hello" "$(as_dom0 xenstore-read /local/domain/5/data/x)"
expect "guest owns what it creates" "n5" "$(as_dom0 xenstore-ls -p /local/domain/5/data | sed 's/.*(\(.*\))/\1/')"
fails "guest cannot give its node to another domain" as_dom5 xenstore-chmod data/x n6
succeeds "guest may change its own node's access" as_dom5 xenstore-chmod data/x n5 r6

echo "== watches"
as_dom0 xenstore-watch -n 3 /wt > "$work/watch.out" 2>&1 &
wpid=$!
for _ in $(seq 200); do grep -q '^/wt$' "$work/watch.out" 2>/dev/null && break; sleep 0.05; done
succeeds "write under the watch" as_dom0 xenstore-write /wt/one 1
succeeds "rm under the watch" as_dom0 xenstore-rm /wt/one
wait "$wpid"
expect "watch saw initial, write and rm events" "$(printf '/wt\n/wt/one\n/wt/one')" \
  "$(cat "$work/watch.out")"
as_dom5 xenstore-watch -n 2 /vm > "$work/watch5.out" 2>&1 &
wpid=$!
for _ in $(seq 200); do grep -q '^/vm$' "$work/watch5.out" 2>/dev/null && break; sleep 0.05; done
succeeds "write a hidden node" as_dom0 xenstore-write /vm/b hidden
succeeds "write a readable node" as_dom0 xenstore-write /vm/a visible
wait "$wpid"
expect "guest watch only sees what it may read" "$(printf '/vm\n/vm/a')" "$(cat "$work/watch5.out")"

echo "== malformed and hostile input"
expect "unknown message type gets EINVAL" "16 EINVAL" "$(raw "$(msg 99 0 "$(hexs /x)00")")"
expect "missing NUL gets EINVAL" "16 EINVAL" "$(raw "$(msg 2 0 "$(hexs /vm/a)")")"
expect "unknown transaction gets ENOENT" "16 ENOENT" "$(raw "$(msg 2 4242 "$(hexs /vm/a)00")")"
expect "oversized message closes the connection" "closed" \
  "$(raw "0200000001000000000000000110000041414141")"
expect "daemon still serves after abuse" "visible" "$(as_dom0 xenstore-read /vm/a)"

echo "== concurrency"
writers=()
for c in $(seq 1 16); do
  ( for i in $(seq 1 20); do as_dom0 xenstore-write "/conc/c$c/n$i" "$i" || exit 1; done ) &
  writers+=($!)
done
for w in "${writers[@]}"; do wait "$w"; done
expect "16 concurrent writers all landed" "320" "$(as_dom0 xenstore-ls /conc | grep -c ' = "[0-9]')"

echo "== restart keeps the tree"
before=$(as_dom0 xenstore-ls -p /)
succeeds "SIGTERM saves state and exits cleanly" stop
succeeds "state file written" test -s "$state"
start --restore
expect "tree identical after restart" "$before" "$(as_dom0 xenstore-ls -p /)"
expect "guest rights survive" "hello" "$(as_dom5 xenstore-read data/x)"
stop >/dev/null

echo "== quotas"
start -E 30
succeeds "fresh daemon: dom0 makes the guest's home" as_dom0 xenstore-write /local/domain/5/q ""
succeeds "owned by the guest" as_dom0 xenstore-chmod -r /local/domain/5 n5
for i in $(seq 1 40); do as_dom5 xenstore-write "q/n$i" x >/dev/null 2>&1; done
count=$(as_dom0 xenstore-list /local/domain/5/q | wc -l)
if [ "$count" -gt 0 ] && [ "$count" -lt 30 ]; then ok "node quota stops the guest ($count nodes)"
else fail "node quota stops the guest (got $count nodes)"; fi
succeeds "dom0 is not limited" as_dom0 xenstore-write /local/domain/5/q/by-dom0 x
stop >/dev/null

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
