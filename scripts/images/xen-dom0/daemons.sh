# Sourced by dom0's init (scripts/images/dom0/init) on a Xen-ABI hypervisor, only when the Xen
# userspace overlay (scripts/images/xen-dom0, built by scripts/bench) is in the initramfs:
# starts Debian's Xen 4.17 daemons instead of ours, in the order of Debian's xen init script
# (xenstored, xen-init-dom0, xenconsoled). Sets own_daemons=no so that init skips ours.
own_daemons=no
xenbin=/usr/lib/xen-4.17/bin
mkdir -p /run/xen /run/xenstored /run/lock /var/lib/xen /var/lib/xenstored /var/log/xen
# Xen's C xenstored (not oxenstored): it forks and writes its pid file; its socket is
# /var/run/xenstored/socket.
"$xenbin/xenstored" --pid-file /run/xenstored.pid >/var/log/xen/xenstored.log 2>&1
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    [ -e /run/xenstored.pid ] && [ -S /run/xenstored/socket ] && break
    sleep 0.2
done
if [ -e /run/xenstored.pid ]; then
    echo "tessera-dom0: Xen's xenstored started"
else
    echo "tessera-dom0: Xen's xenstored did not start (see /var/log/xen/xenstored.log)"
fi
"$xenbin/xen-init-dom0" >/var/log/xen/xen-init-dom0.log 2>&1 ||
    echo "tessera-dom0: xen-init-dom0 failed (see /var/log/xen/xen-init-dom0.log)"
if "$xenbin/xenconsoled" --pid-file /run/xenconsoled.pid; then
    echo "tessera-dom0: Xen's xenconsoled started"
else
    echo "tessera-dom0: Xen's xenconsoled did not start"
fi
