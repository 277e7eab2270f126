"""ISI- and SPIKE-distances of spike-train pairs by PySpike (Debian's python3-pyspike).

Input: a text file with three lines per case: "t0 t1", the first train's spike times, the
second train's (an empty line for an empty train). Output: one line per case, "isi spike".
"""
import sys

import pyspike

lines = open(sys.argv[1]).read().split("\n")
out = []
for k in range(0, len(lines) - 2, 3):
    t0, t1 = (float(x) for x in lines[k].split())
    a = [float(x) for x in lines[k + 1].split()]
    b = [float(x) for x in lines[k + 2].split()]
    sa = pyspike.SpikeTrain(a, edges=(t0, t1))
    sb = pyspike.SpikeTrain(b, edges=(t0, t1))
    out.append("%.17g %.17g" % (pyspike.isi_distance(sa, sb), pyspike.spike_distance(sa, sb)))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
