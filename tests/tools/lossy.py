"""A lossy UDP link on loopback for the TFTP tests: clients send to this
proxy's port, which forwards to the server and back through one upstream
socket per client (so the server sees distinct ports and the client sees
the server's transfer ports), dropping, duplicating and reordering
datagrams in both directions. A duplicate is delivered late (up to
--dup-delay ms), as a copy held in a network queue would be; a reordered
datagram is held until the next one of its flow has gone, or 50 ms.

python3 lossy.py SERVER_PORT [--drop P] [--dup P] [--reorder P]
                 [--dup-delay MS] [--seconds S] [--seed N] [--stats FILE]
Prints the proxy's port on the first line; runs for --seconds at most
(bounded), writing the fault counts to --stats as it goes."""
import argparse, heapq, random, select, socket, time

a = argparse.ArgumentParser()
a.add_argument("server", type=int)
a.add_argument("--drop", type=float, default=0.0)
a.add_argument("--dup", type=float, default=0.0)
a.add_argument("--reorder", type=float, default=0.0)
a.add_argument("--dup-delay", type=float, default=300.0)
a.add_argument("--seconds", type=float, default=60.0)
a.add_argument("--seed", type=int, default=7)
a.add_argument("--stats", default="faults.txt")
o = a.parse_args()
rnd = random.Random(o.seed)
ls = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
ls.bind(("127.0.0.1", 0))
print(ls.getsockname()[1], flush=True)
# Each server port the proxy has seen gets a client-facing socket of its
# own, so a client sees the transfer ports (TIDs) change as it would without
# the proxy: the server's port 69 is the proxy's listening socket.
ups = {}	# client address -> upstream socket (one per client)
back = {}	# client-facing socket -> (upstream socket, server address)
front = {}	# (upstream socket, server address) -> client-facing socket
client_of = {}	# upstream socket -> client address
faults = {"passed": 0, "drop": 0, "dup": 0, "reorder": 0}
later = []	# [time, seq, sock, data, dest]: late duplicates and held ones
held = {}	# flow -> entry in later, released by the flow's next datagram
seq = 0

def send_at(t, sock, data, dest):
    global seq
    seq += 1
    e = [t, seq, sock, data, dest]
    heapq.heappush(later, e)
    return e

def out(sock, data, dest, flow):
    r = rnd.random()
    if r < o.drop:
        faults["drop"] += 1
        return
    r -= o.drop
    now = time.time()
    if r < o.dup:
        faults["dup"] += 1
        send_at(now + rnd.uniform(0.001, o.dup_delay / 1000.0), sock, data, dest)
    elif r < o.dup + o.reorder and flow not in held:
        faults["reorder"] += 1
        held[flow] = send_at(now + 0.05, sock, data, dest)
        return
    faults["passed"] += 1
    sock.sendto(data, dest)
    e = held.pop(flow, None)
    if e is not None:
        e[0] = 0.0	# due now: after the one that overtook it
        heapq.heapify(later)

def record():
    with open(o.stats, "w") as f:
        f.write(" ".join("%s=%d" % kv for kv in sorted(faults.items())) + "\n")

def facing(up, srv):
    s = front.get((up, srv))
    if s is None:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        front[(up, srv)], back[s] = s, (up, srv)
    return s

end = time.time() + o.seconds
last_record = 0.0
while time.time() < end:
    now = time.time()
    while later and later[0][0] <= now:
        _, _, s, d, t = heapq.heappop(later)
        for f, e in list(held.items()):
            if e[2] is s and e[3] is d:
                del held[f]
        try:
            s.sendto(d, t)
        except OSError:
            pass
    wait = max(0.0, min(0.05, later[0][0] - now)) if later else 0.05
    r, _, _ = select.select([ls] + list(client_of) + list(back), [], [], wait)
    for s in r:
        try:
            data, addr = s.recvfrom(70000)
        except OSError:
            continue
        if s is ls:		# a client to the server's port
            up = ups.get(addr)
            if up is None:
                up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                up.bind(("127.0.0.1", 0))
                ups[addr], client_of[up] = up, addr
            out(up, data, ("127.0.0.1", o.server), (addr, 0))
        elif s in back:		# a client to a transfer port
            up, srv = back[s]
            out(up, data, srv, (addr, srv))
        else:			# the server to a client
            cl = client_of[s]
            fs = ls if addr == ("127.0.0.1", o.server) else facing(s, addr)
            out(fs, data, cl, (cl, addr))
    if now - last_record > 0.5:
        record()
        last_record = now
record()
