#!/usr/bin/env python3
"""Helpers for bench/vs-ansible.sh: write the apt source files for the playbook, and report the timings
(medians, ratios) as text, JSON and a small hand-written SVG bar chart."""
import json, os, statistics, sys

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


def report(raw_path, json_path, svg_path):
    times = {}
    for line in open(raw_path):
        case, tool, seconds = line.rstrip("\n").split("\t")
        times.setdefault(case, {}).setdefault(tool, []).append(float(seconds))
    results = []
    print()
    print(f"{'case':<30} {'datalyptica':>12} {'ansible':>10} {'ratio':>8}  reference")
    for case, title in CASES.items():
        if case not in times:
            continue
        med = {tool: statistics.median(v) for tool, v in times[case].items()}
        ratio = med["ansible"] / med["datalyptica"]
        row = {"case": case, "title": title, "medianSeconds": med, "runs": times[case], "ansibleOverDatalyptica": round(ratio, 2)}
        extra = []
        if "datalyptica-cold" in med:
            row["ansibleOverDatalypticaCold"] = round(med["ansible"] / med["datalyptica-cold"], 2)
            extra.append(f"no daemon {med['datalyptica-cold']:.2f}s ({row['ansibleOverDatalypticaCold']}x)")
        if "ansible-ping" in med:
            row["ansiblePingOverDatalyptica"] = round(med["ansible-ping"] / med["datalyptica"], 2)
            extra.append(f"ansible -m ping {med['ansible-ping']:.2f}s ({row['ansiblePingOverDatalyptica']}x)")
        if "ssh" in med:
            row["datalypticaOverRawSsh"] = round(med["datalyptica"] / med["ssh"], 2)
            extra.append(f"raw ssh {med['ssh']:.2f}s (datalyptica {row['datalypticaOverRawSsh']}x of it)")
        print(f"({case}) {title:<26} {med['datalyptica']:11.2f}s {med['ansible']:9.2f}s {ratio:7.1f}x  {'; '.join(extra)}")
        results.append(row)
    json.dump({"formatVersion": 1, "hosts": 3, "results": results}, open(json_path, "w"), indent=2)
    open(svg_path, "w").write(svg(results))
    print(f"\nwrote {json_path} and {svg_path}")


def svg(results):
    """Grouped horizontal bars per case, log-free linear scale per case (each case has its own maximum)."""
    colours = {"datalyptica": "#2b7bb9", "datalyptica-cold": "#8fbce0", "ansible": "#d9534f", "ansible-ping": "#eba8a6", "ssh": "#888888"}
    width, left, bar, gap = 720, 210, 16, 14
    y = 40
    parts = []
    for row in results:
        tools = [t for t in colours if t in row["medianSeconds"]]
        top = max(row["medianSeconds"].values())
        ratio = row["ansibleOverDatalyptica"]
        parts.append(f'<text x="10" y="{y + 12}" font-weight="bold">({row["case"]}) {row["title"]}</text>')
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
            f'<text x="10" y="22" font-size="14" font-weight="bold">datalyptica vs ansible-core 2.14, 3 lab hosts (median seconds)</text>')
    return head + "".join(parts) + "</svg>\n"


if __name__ == "__main__":
    {"apt-files": apt_files, "report": report}[sys.argv[1]](*sys.argv[2:])
