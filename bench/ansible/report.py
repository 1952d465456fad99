#!/usr/bin/env python3
"""Helpers for bench/vs-ansible.sh: write the apt source files for the playbook, and report the timings
(medians, ratios, control-node CPU, a traced no-op's stages) as text, JSON and a small hand-written SVG bar chart;
`scale` joins the per-size results of bench/vs-ansible-scale.sh into cost-against-hosts charts."""
import json, os, re, statistics, sys

CASES = {
    "a": "first apply (fresh hosts)",
    "b": "no-op re-apply",
    "c": "1 file changed + restart",
    "d": "health check",
}


APT_CONFIG = """// Written by the bench's Ansible playbook, as datalyptica passes it to apt-get.
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "5";
Acquire::http::Timeout "30";
Acquire::Languages "none";
"""


def apt_files(site_dir, url, plan_path, files_root):
    """The same served repository for Ansible: the site's public key, a signed-by source list, apt's options."""
    key = open(os.path.join(site_dir, "pki", "repository-key.asc")).read()
    files = {
        "etc/apt/keyrings/datalyptica-ansible.asc": key,
        "etc/apt/sources.list.d/datalyptica-ansible.list": f"deb [signed-by=/etc/apt/keyrings/datalyptica-ansible.asc] {url} ./\n",
        "etc/apt/sources.list": "# Written by the bench's Ansible playbook: the only source is datalyptica-ansible.list.\n",
        "etc/apt/apt.conf.d/80datalyptica-ansible": APT_CONFIG,
    }
    for host in json.load(open(plan_path))["hosts"]:
        for rel, content in files.items():
            dest = os.path.join(files_root, host["host"], rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w") as f:
                f.write(content)


def report(raw_path, json_path, svg_path, hosts="3", trace_path=None):
    times, cpu = {}, {}
    for line in open(raw_path):
        case, tool, seconds, *cpu_seconds = line.rstrip("\n").split("\t")
        times.setdefault(case, {}).setdefault(tool, []).append(float(seconds))
        if cpu_seconds:
            cpu.setdefault(case, {}).setdefault(tool, []).append(float(cpu_seconds[0]))
    hosts = int(hosts)
    results = []
    print()
    print(f"{hosts} hosts")
    print(f"{'case':<30} {'datalyptica':>12} {'ansible':>10} {'ratio':>8}  reference")
    for case, title in CASES.items():
        if case not in times:
            continue
        med = {tool: statistics.median(v) for tool, v in times[case].items()}
        # A size may skip Ansible's first apply (--first-tools): no ratio then, not a made-up one.
        ratio = med["ansible"] / med["datalyptica"] if "ansible" in med and "datalyptica" in med else None
        row = {"case": case, "title": title, "medianSeconds": med, "runs": times[case],
               "ansibleOverDatalyptica": round(ratio, 2) if ratio else None}
        if case in cpu:
            row["medianControlNodeCpuSeconds"] = {tool: statistics.median(v) for tool, v in cpu[case].items()}
        extra = []
        if "apt-get-by-hand" in med:
            row["datalypticaOverFloor"] = round(med["datalyptica"] / med["apt-get-by-hand"], 2)
            extra.append(f"apt-get by hand {med['apt-get-by-hand']:.2f}s (datalyptica {row['datalypticaOverFloor']}x of it)")
        if "datalyptica-cold" in med:
            row["ansibleOverDatalypticaCold"] = round(med["ansible"] / med["datalyptica-cold"], 2)
            extra.append(f"no daemon {med['datalyptica-cold']:.2f}s ({row['ansibleOverDatalypticaCold']}x)")
        if "ansible-ping" in med:
            row["ansiblePingOverDatalyptica"] = round(med["ansible-ping"] / med["datalyptica"], 2)
            extra.append(f"ansible -m ping {med['ansible-ping']:.2f}s ({row['ansiblePingOverDatalyptica']}x)")
        if "ssh" in med:
            row["datalypticaOverRawSsh"] = round(med["datalyptica"] / med["ssh"], 2)
            extra.append(f"raw ssh {med['ssh']:.2f}s (datalyptica {row['datalypticaOverRawSsh']}x of it)")
        if "ssh-x25519" in med:
            extra.append(f"raw ssh, curve25519 kex {med['ssh-x25519']:.2f}s")
        cell = lambda tool, width: f"{med[tool]:{width}.2f}s" if tool in med else f"{'-':>{width + 1}}"
        print(f"({case}) {title:<26} {cell('datalyptica', 11)} {cell('ansible', 9)} {f'{ratio:7.1f}x' if ratio else '      -'}  {'; '.join(extra)}")
        if "medianControlNodeCpuSeconds" in row:
            print(f"    control node CPU: " + ", ".join(f"{t} {c:.2f}s" for t, c in row["medianControlNodeCpuSeconds"].items()))
        results.append(row)
    out = {"formatVersion": 2, "hosts": hosts, "results": results}
    if trace_path:
        out["noopTrace"] = trace_breakdown(trace_path)
        t = out["noopTrace"]
        print(f"\ntraced no-op: site read+validated {t['validatedMs']} ms, rendered {t['renderedMs']} ms; "
              f"handshakes median {t['handshakeMs']['median']} ms, max {t['handshakeMs']['max']} ms; facts median "
              f"{t['factsMs']['median']} ms, max {t['factsMs']['max']} ms; last facts at {t['lastFactsMs']} ms; plan ready {t['planReadyMs']} ms; done {t['doneMs']} ms")
    json.dump(out, open(json_path, "w"), indent=2)
    open(svg_path, "w").write(svg(results, hosts))
    print(f"\nwrote {json_path} and {svg_path}")


def trace_breakdown(trace_path):
    """Stage marks of one DATALYPTICA_TRACE=1 no-op: when each stage ended, and each host's handshake and facts."""
    marks, hosts = {}, {}
    for line in open(trace_path):
        m = re.match(r"\[trace \+(\d+) ms\] (.*)", line)
        if not m:
            continue
        at, what = int(m.group(1)), m.group(2)
        host = re.match(r"(lab\d+): (ssh connecting|ssh session up|transport ready|facts gathered)", what)
        if host:
            hosts.setdefault(host.group(1), {})[host.group(2)] = at
        else:
            marks.setdefault(what, at)
    def spread(values):
        values = sorted(values)
        return {"min": values[0], "median": values[len(values) // 2], "max": values[-1]} if values else None
    done = [h for h in hosts.values() if "facts gathered" in h and "ssh connecting" in h and "ssh session up" in h]
    return {
        "validatedMs": marks.get("site validated"),
        "renderedMs": marks.get("rendered, desired state built"),
        "handshakeMs": spread([h["ssh session up"] - h["ssh connecting"] for h in done]),
        "factsMs": spread([h["facts gathered"] - h["transport ready"] for h in done if "transport ready" in h]),
        "lastFactsMs": max((h["facts gathered"] for h in done), default=None),
        "planReadyMs": marks.get("plan ready"),
        "doneMs": marks.get("apply done"),
    }


SCALE_CASES = {"a": "first apply", "b": "no-op re-apply", "c": "1 file changed + restart", "d": "health check (warm)"}


def scale(json_out, svg_out, *inputs):
    """Cost against hosts for both tools, one panel per case, from the per-size results vs-ansible.sh wrote."""
    sizes = sorted((json.load(open(p)) for p in inputs), key=lambda r: r["hosts"])
    series = {}
    for run in sizes:
        for row in run["results"]:
            for tool, seconds in row["medianSeconds"].items():
                series.setdefault(row["case"], {}).setdefault(tool, []).append((run["hosts"], seconds))
    table = []
    for run in sizes:
        entry = {"hosts": run["hosts"]}
        for row in run["results"]:
            entry[row["case"]] = {k: row[k] for k in row if k not in ("runs", "title", "case")}
        if "noopTrace" in run:
            entry["noopTrace"] = run["noopTrace"]
        table.append(entry)
    json.dump({"formatVersion": 1, "sizes": table}, open(json_out, "w"), indent=2)
    open(svg_out, "w").write(scale_svg(series, [r["hosts"] for r in sizes]))
    print(f"{'hosts':>5} " + " ".join(f"{'(' + c + ') dl / ansible':>24}" for c in SCALE_CASES))
    for entry in table:
        cells = []
        for c in SCALE_CASES:
            m = entry.get(c, {}).get("medianSeconds", {})
            cells.append(f"{m.get('datalyptica', float('nan')):9.2f} / {m.get('ansible', float('nan')):7.2f} s" if m else f"{'-':>24}")
        print(f"{entry['hosts']:>5} " + " ".join(f"{x:>24}" for x in cells))
    print(f"wrote {json_out} and {svg_out}")


def scale_svg(series, hosts):
    """Small multiples: one line chart per case, x = hosts, y = median seconds, linear axes from 0."""
    colours = {"datalyptica": "#2b7bb9", "ansible": "#d9534f", "apt-get-by-hand": "#5cb85c", "ssh": "#888888"}
    pw, ph, ml, mb, mt = 340, 220, 52, 34, 30
    panels = [c for c in SCALE_CASES if c in series]
    width = 2 * pw + 20
    height = 50 + ((len(panels) + 1) // 2) * (ph + 20)
    parts = [f'<text x="10" y="24" font-size="14" font-weight="bold">datalyptica vs ansible-core 2.14: median seconds against lab hosts</text>']
    xmax = max(hosts)
    for i, case in enumerate(panels):
        ox, oy = 10 + (i % 2) * (pw + 10), 40 + (i // 2) * (ph + 20)
        tools = [t for t in colours if t in series[case]]
        ymax = max(s for t in tools for _, s in series[case][t]) * 1.1 or 1
        def x(h): return ox + ml + (pw - ml - 10) * h / xmax
        def y(v): return oy + ph - mb - (ph - mb - mt) * v / ymax
        parts.append(f'<text x="{ox + ml}" y="{oy + 16}" font-weight="bold">({case}) {SCALE_CASES[case]}</text>')
        parts.append(f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(xmax)}" y2="{y(0)}" stroke="#999"/>')
        parts.append(f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(0)}" y2="{y(ymax / 1.1)}" stroke="#999"/>')
        for h in hosts:
            parts.append(f'<text x="{x(h):.1f}" y="{y(0) + 14:.1f}" text-anchor="middle" fill="#555">{h}</text>')
        for frac in (0.5, 1.0):
            v = ymax / 1.1 * frac
            parts.append(f'<text x="{x(0) - 4:.1f}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#555">{v:.3g} s</text>')
        for j, tool in enumerate(tools):
            pts = series[case][tool]
            parts.append(f'<polyline fill="none" stroke="{colours[tool]}" stroke-width="2" points="' +
                         " ".join(f"{x(h):.1f},{y(s):.1f}" for h, s in pts) + '"/>')
            for h, s in pts:
                parts.append(f'<circle cx="{x(h):.1f}" cy="{y(s):.1f}" r="3" fill="{colours[tool]}"/>')
            parts.append(f'<text x="{ox + ml + 6}" y="{oy + 32 + j * 14}" fill="{colours[tool]}">{tool}</text>')
        parts.append(f'<text x="{ox + pw - 10}" y="{y(0) + 28:.1f}" text-anchor="end" fill="#555">hosts</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">'
            f'<rect width="100%" height="100%" fill="white"/>' + "".join(parts) + "</svg>\n")


def svg(results, hosts=3):
    """Grouped horizontal bars per case, log-free linear scale per case (each case has its own maximum)."""
    colours = {"datalyptica": "#2b7bb9", "datalyptica-cold": "#8fbce0", "ansible": "#d9534f", "ansible-ping": "#eba8a6",
               "apt-get-by-hand": "#5cb85c", "ssh": "#888888", "ssh-x25519": "#bbbbbb"}
    width, left, bar, gap = 720, 210, 16, 14
    y = 40
    parts = []
    for row in results:
        tools = [t for t in colours if t in row["medianSeconds"]]
        top = max(row["medianSeconds"].values())
        ratio = row["ansibleOverDatalyptica"]
        parts.append(f'<text x="10" y="{y + 12}" font-weight="bold">({row["case"]}) {row["title"]}</text>')
        if ratio:
            parts.append(f'<text x="10" y="{y + 28}" fill="#555">ansible / datalyptica: {ratio}x</text>')
        for tool in tools:
            s = row["medianSeconds"][tool]
            w = max(1.0, (width - left - 90) * s / top)
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colours[tool]}"/>')
            parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 12}">{tool} {s:.2f} s</text>')
            y += bar + 3
        y += gap + max(0, 36 - len(tools) * (bar + 3))
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 10}" font-family="sans-serif" font-size="12">'
            f'<rect width="100%" height="100%" fill="white"/>'
            f'<text x="10" y="22" font-size="14" font-weight="bold">datalyptica vs ansible-core 2.14, {hosts} lab hosts (median seconds)</text>')
    return head + "".join(parts) + "</svg>\n"


if __name__ == "__main__":
    {"apt-files": apt_files, "report": report, "scale": scale}[sys.argv[1]](*sys.argv[2:])
