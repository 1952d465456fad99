#!/usr/bin/python3
# Datalyptica stand-in: NOT the real program. One generic program placed, with its spec below, as every entry program
# of a release-faithful stand-in archive (lab and tests only; docs/STAND-INS.md, layer 2). It records how it was started,
# checks what the real program reads at start (files exist and parse, the JDK's major version), then either exits
# (a first-start command) or listens on the declared ports and answers with its signature until SIGTERM (a service).
# Python 3 standard library only (python3-yaml is used when present).
import json
import os
import re
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

SPEC = {}  # @@STANDIN-SPEC@@ (the archive builder replaces this line's value with the artifact's spec)

EX_CONFIG = 78
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY")
PATH_ROOTS = ("/opt/datalyptica", "/etc/datalyptica", "/etc/", "/var/lib/datalyptica", "/var/log/datalyptica")


def artifact():
    return SPEC.get("artifact", "unknown")


def version():
    return SPEC.get("version", "unknown")


def signature():
    return "%s %s" % (artifact(), version())


def root():
    return os.environ.get("DATALYPTICA_STANDIN_ROOT", "").rstrip("/")


def on_host(path):
    """A path as the host sees it (tests run under a temp root given by DATALYPTICA_STANDIN_ROOT)."""
    r = root()
    return r + path if r and path.startswith("/") and not path.startswith(r + "/") else path


def off_host(path):
    r = root()
    return path[len(r):] if r and path.startswith(r + "/") else path


def log_dir():
    # The component's own log folder: its unit may write there (ReadWritePaths under ProtectSystem=strict; the folder is
    # 0750 its service user's) and root's first-start steps too; a shared folder would be neither.
    return os.environ.get("DATALYPTICA_STANDIN_LOG_DIR", SPEC.get("logDirectory") or "/var/log/datalyptica/stand-in")


_log_lock = threading.Lock()


def write_log(record):
    record = dict(record)
    record.setdefault("standIn", True)
    record.setdefault("artifact", artifact())
    record.setdefault("version", version())
    # UTC with microseconds: the lab test orders a first-start step before the services it guards by these times.
    record.setdefault("time", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    record.setdefault("pid", os.getpid())
    line = json.dumps(record, sort_keys=True) + "\n"
    try:
        d = log_dir()
        if not os.path.isdir(d):
            os.makedirs(d, mode=0o755, exist_ok=True)
        path = os.path.join(d, "stand-in-" + artifact() + ".jsonl")
        with _log_lock:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                if os.fstat(fd).st_uid == os.getuid():
                    os.fchmod(fd, 0o666)  # the artifact's other accounts (root's first-start step, the unit's user) append too
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
    except OSError as e:
        sys.stderr.write("stand-in %s: cannot write its log in %s: %s\n" % (signature(), log_dir(), e))


_URL_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@")


def redact(value):
    """A value as recorded: a URL's password (postgresql://user:PASSWORD@host) never reaches the log."""
    return _URL_CREDENTIALS.sub(r"\1***@", value) if isinstance(value, str) else value


def is_paths(value):
    return bool(value) and all(part.startswith("/") and not any(c.isspace() for c in part) for part in value.split(":"))


def is_secret(name):
    upper = name.upper()
    return any(w in upper for w in SECRET_WORDS)


def selected_environment():
    """The variables a unit sets and the ones the real programs read; secret-named values are never recorded."""
    unit_names = set()
    for s in SPEC.get("services", []):
        unit_names.update(s.get("environment", {}).keys())
    picked, secrets = {}, []
    for name, value in sorted(os.environ.items()):
        keep = (name in ("JAVA_HOME", "PATH", "HOME", "USER", "LANG", "PWD", "INVOCATION_ID", "JOURNAL_STREAM")
                or name.endswith("_HOME") or "_CONF" in name or name.startswith("KAFKA_") or name in unit_names
                or name.startswith(artifact().upper() + "_") or name.startswith("DATALYPTICA_"))
        if not keep:
            continue
        # A value is recorded only when it is a path or a list of paths (JAVA_HOME, PATH, *_CONF); any other value may
        # hold a secret under an innocent name (Airflow's AIRFLOW_CONN_* JSON holds the S3 secret key): its name only.
        if is_secret(name) or not is_paths(value):
            secrets.append(name)
        else:
            picked[name] = value
    return picked, secrets


def user_name():
    try:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def command_line():
    """argv as started: under the Nessie jar's launcher python3 reads this script from stdin ('-') and the jar comes first."""
    argv = list(sys.argv)
    if argv and argv[0] == "-c":
        argv = list(getattr(sys, "orig_argv", argv))
    if argv and argv[0] == "-" and len(argv) > 1:
        argv = argv[1:]
    return argv


def same_program(started, declared):
    """The started path names the declared program: as written, through current or the version folder, or resolved."""
    started = off_host(started)
    if started == declared:
        return True
    install, current = SPEC.get("installDir", ""), SPEC.get("currentDir", "")
    def forms(p):
        out = {p}
        if current and p.startswith(current + "/"):
            out.add(install + p[len(current):])
        if install and p.startswith(install + "/"):
            out.add(current + p[len(install):])
        return out
    if forms(started) & forms(declared):
        return True
    try:
        return os.path.realpath(on_host(started)) == os.path.realpath(on_host(declared))
    except OSError:
        return False


def can_bind(address):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((address, 0))
        return True
    except OSError:
        return False


def pick_service(argv):
    matches = [s for s in SPEC.get("services", [])
               if argv and same_program(argv[0], s["program"]) and argv[1:] == s["args"]]
    if not matches:
        return None
    wanted = os.environ.get("DATALYPTICA_STANDIN_HOST")
    if wanted:
        named = [s for s in matches if s["host"] == wanted]
        return named[0] if named else None
    if len(matches) == 1:
        return matches[0]
    me = socket.gethostname().split(".")[0]
    named = [s for s in matches if s["host"].split(".")[0] == me]
    if named:
        return named[0]
    bindable = [s for s in matches if all(can_bind(p["address"]) for p in s.get("ports", []))]
    return (bindable or matches)[0]


def matching_commands(argv):
    """The spec's commands this start is: same program, on this host when known, naming every path argument given."""
    commands = [c for c in SPEC.get("commands", []) if argv and same_program(argv[0], c["program"])]
    wanted = os.environ.get("DATALYPTICA_STANDIN_HOST") or socket.gethostname().split(".")[0]
    here = [c for c in commands if c["host"].split(".")[0] == wanted]
    commands = here or commands
    paths = [a for a in argv[1:] if a.startswith("/")]
    named = [c for c in commands if all(p in c.get("command", "") for p in paths)]
    return named or commands


def create_guarded(paths):
    """Writes the files the command's guard tests for, as the real program would leave them (never over an existing one)."""
    created = []
    for path in paths:
        target = on_host(path)
        if os.path.exists(target):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write("# written by the datalyptica stand-in for %s in place of the real program's own (lab only)\n" % signature())
        created.append(path)
    return created


class ConfigError(Exception):
    pass


def parse_properties(text, path):
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        if not re.match(r"^([^=:\s\\]|\\.)+\s*([=:\s]|$)", line):
            raise ConfigError("%s line %d is not a Java property: %r" % (path, n, raw[:60]))


def parse_env(text, path):
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not re.match(r"^(export\s+)?[A-Za-z_][A-Za-z0-9_]*=", line):
            raise ConfigError("%s line %d is not NAME=value: %r" % (path, n, raw[:60]))


def parse_yaml(text, path):
    try:
        import yaml
    except ImportError:
        if "\t" in "".join(l[:len(l) - len(l.lstrip())] for l in text.splitlines()):
            raise ConfigError("%s: YAML indented with a tab" % path)
        return
    try:
        list(yaml.safe_load_all(text))
    except yaml.YAMLError as e:
        raise ConfigError("%s does not parse as YAML: %s" % (path, str(e).replace("\n", " ")))


def parse_file(path, fmt):
    with open(on_host(path), "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("%s is not UTF-8 text" % path)
    if fmt == "properties":
        parse_properties(text, path)
    elif fmt == "env":
        parse_env(text, path)
    elif fmt == "yaml":
        parse_yaml(text, path)
    elif fmt == "json":
        try:
            json.loads(text)
        except ValueError as e:
            raise ConfigError("%s does not parse as JSON: %s" % (path, e))
    elif fmt == "xml":
        import xml.etree.ElementTree as ET
        try:
            ET.fromstring(data)
        except ET.ParseError as e:
            raise ConfigError("%s does not parse as XML: %s" % (path, e))
    elif fmt == "ini":
        import configparser
        try:
            p = configparser.RawConfigParser(strict=False, allow_no_value=True, interpolation=None)
            p.read_string(text if re.match(r"^\s*(;|#|\[|$)", text) else "[DEFAULT]\n" + text)
        except configparser.Error as e:
            raise ConfigError("%s does not parse as INI: %s" % (path, str(e).replace("\n", " ")))
    elif fmt == "toml":
        import tomllib
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError("%s does not parse as TOML: %s" % (path, e))


def java_major(text):
    m = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def check_java(need, results):
    home = os.environ.get("JAVA_HOME")
    running = os.environ.get("DATALYPTICA_STANDIN_RUNNING_JAVA")
    if running:
        # Started by a runner jar's launcher (Nessie): the JVM that runs the jar is the one to check.
        java, shown = running, running
    elif home:
        java = on_host(home.rstrip("/") + "/bin/java")
        shown = home.rstrip("/") + "/bin/java"
        if not os.access(java, os.X_OK):
            raise ConfigError("JAVA_HOME=%s: %s does not exist or is not executable" % (home, shown))
    if not running and not home:
        import shutil
        java = shutil.which("java")
        shown = "java on PATH"
        if not java:
            raise ConfigError("needs Java %d: JAVA_HOME is not set and no java is on PATH" % need)
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ConfigError("%s -version failed: %s" % (shown, e))
    major = java_major(out.stderr + out.stdout)
    results["java"] = {"program": off_host(java), "major": major, "needs": need}
    if out.returncode != 0 or major is None:
        raise ConfigError("%s -version did not report a version (exit %d)" % (shown, out.returncode))
    if major < need:
        raise ConfigError("needs Java %d or newer, %s is Java %d" % (need, shown, major))


def path_values(argv, env):
    """Absolute paths named by arguments (also --x=PATH and -x=PATH) and environment values."""
    values = []
    for a in argv[1:]:
        values.append(a)
        if "=" in a:
            values.append(a.split("=", 1)[1])
    for v in env.values():
        values.extend(v.split(":") if ":" in v and not v.startswith("-") else [v])
    return [v for v in values if v.startswith("/")]


def run_checks(argv, entry):
    results = {"exists": [], "parsed": []}
    files = SPEC.get("files", {})
    must = list(entry.get("mustExist", [])) if entry else []
    named = [p for p in path_values(argv, dict(os.environ)) if p in files or any(p == m for m in must)]
    configs = [(c["path"], c["format"]) for c in (entry.get("configs", []) if entry else [])]
    configs += [(p, files[p]) for p in named if p in files and all(p != c for c, _ in configs)]
    for path in must + [c for c, _ in configs]:
        if path in results["exists"]:
            continue
        if not os.path.exists(on_host(path)):
            raise ConfigError("%s does not exist" % path)
        results["exists"].append(path)
    for path, fmt in configs:
        parse_file(path, fmt)
        results["parsed"].append({"path": path, "format": fmt})
    need = SPEC.get("javaMajor")
    if need:
        check_java(int(need), results)
    return results


def java_mode(argv):
    jdk = SPEC.get("jdk", {})
    v = jdk.get("version", version())
    feature = jdk.get("feature", v.split("+")[0])
    if any(a in ("-version", "--version", "-showversion", "--show-version") for a in argv[1:]):
        out = sys.stdout if any(a.startswith("--") for a in argv[1:]) else sys.stderr
        out.write('openjdk version "%s" %s\n' % (feature, jdk.get("date", "2025-01-21")))
        out.write("OpenJDK Runtime Environment %s-%s (build %s)\n" % (jdk.get("vendor", "Temurin"), v, v))
        out.write("OpenJDK 64-Bit Server VM %s-%s (build %s, mixed mode, sharing)\n" % (jdk.get("vendor", "Temurin"), v, v))
        out.write("(datalyptica stand-in for %s: not a JVM)\n" % signature())
        return 0
    sys.stderr.write("stand-in %s: not a JVM, only answers -version (datalyptica lab)\n" % signature())
    return 1


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        conn.settimeout(1.0)
        first = b""
        try:
            while b"\n" not in first and len(first) < 8192:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                first += chunk
        except (socket.timeout, OSError):
            pass
        m = re.match(rb"^([A-Z]{3,10}) (\S+) HTTP/\d", first)
        try:
            if m:
                method, target = m.group(1).decode("ascii"), m.group(2).decode("latin-1")
                if target.split("?")[0].rstrip("/").endswith("metrics"):
                    # A Prometheus scrape gets the text exposition format, one series naming the stand-in.
                    body = ('# HELP datalyptica_stand_in A release-faithful stand-in, not the real service (datalyptica lab).\n'
                            '# TYPE datalyptica_stand_in gauge\n'
                            'datalyptica_stand_in{artifact="%s",version="%s"} 1\n' % (artifact(), version())).encode()
                    kind = "text/plain; version=0.0.4"
                else:
                    answer = {}
                    ready = self.server.ready
                    if ready and target.split("?")[0] == ready["path"]:
                        # The upstream's ready response where a front-door check expects a body (Trino's "starting":
                        # false), so HAProxy takes the stand-in as the real one; the signature below still names it.
                        answer = json.loads(ready["body"])
                    answer.update({"standIn": True, "artifact": artifact(), "version": version(),
                                   "message": "stand-in for %s: not the real service (datalyptica lab)" % signature()})
                    body = json.dumps(answer).encode()
                    kind = "application/json"
                head = ("HTTP/1.1 200 OK\r\nX-Datalyptica-Stand-In: %s\r\nContent-Type: %s\r\n"
                        "Content-Length: %d\r\nConnection: close\r\n\r\n" % (signature(), kind, len(body))).encode()
                conn.sendall(head + (b"" if method == "HEAD" else body))
                write_log({"mode": "service", "request": "%s %s" % (method, target), "port": self.server.server_address[1],
                           "unit": self.server.unit, "host": self.server.host})
            else:
                conn.sendall(("DATALYPTICA-STAND-IN %s\n" % signature()).encode())
        except OSError:
            pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


def service_mode(entry):
    servers = []
    for p in entry.get("ports", []):
        try:
            server = Server((p["address"], int(p["port"])), Handler)
        except OSError as e:
            sys.stderr.write("stand-in %s: cannot listen on %s:%s (%s): %s\n" % (signature(), p["address"], p["port"], p.get("name", ""), e))
            for s in servers:
                s.server_close()
            return 1
        server.unit, server.host, server.ready = entry.get("unit"), entry.get("host"), p.get("ready")
        servers.append(server)
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    write_log({"mode": "service", "listening": ["%s:%s" % s.server_address for s in servers], "unit": entry.get("unit"), "host": entry.get("host")})
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1.0):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    write_log({"mode": "service", "stopped": True, "unit": entry.get("unit"), "host": entry.get("host")})
    return 0


def main():
    argv = command_line()
    name = os.path.basename(argv[0]) if argv else ""
    if SPEC.get("jdk") and name == "java":
        mode, entry = "java", None
    else:
        entry = pick_service(argv)
        mode = "service" if entry else "command"
        if not entry:
            commands = matching_commands(argv)
            entry = {"mustExist": sorted({p for c in commands for p in c.get("mustExist", [])}),
                     "creates": sorted({p for c in commands for p in c.get("creates", [])})} if commands else None
    env, secret_names = selected_environment()
    record = {"mode": mode, "argv": [redact(a) for a in argv], "cwd": os.getcwd(), "uid": os.getuid(), "user": user_name(),
              "hostname": socket.gethostname(), "environment": env, "secretVariables": secret_names}
    if mode == "service":
        record.update({"unit": entry.get("unit"), "host": entry.get("host")})
    if mode == "java":
        write_log(record)
        return java_mode(argv)
    if len(argv) == 2 and argv[1] in ("--version", "version", "-version", "-v"):
        write_log(record)
        print("%s (datalyptica stand-in)" % signature())
        return 0
    try:
        record["checks"] = run_checks(argv, entry)
    except ConfigError as e:
        record["checks"] = {"failed": str(e)}
        write_log(record)
        sys.stderr.write("stand-in %s: %s\n" % (signature(), e))
        return EX_CONFIG
    except OSError as e:
        record["checks"] = {"failed": str(e)}
        write_log(record)
        sys.stderr.write("stand-in %s: %s\n" % (signature(), e))
        return EX_CONFIG
    if mode == "command" and entry and entry.get("creates"):
        record["created"] = create_guarded(entry["creates"])
    write_log(record)
    if mode == "service":
        return service_mode(entry)
    return 0


def venv_hook():
    """
    Run by the wheel's .pth at every start of the virtualenv's python. A program the plan runs from the venv's bin that
    the venv itself provides (bin/python -c CODE: MLflow's schema step) has no console script to replace: when python is
    started as one of the spec's command programs with -c, the stand-in answers for it (records, checks, exits).
    """
    argv = list(getattr(sys, "orig_argv", []))
    if len(argv) < 2 or argv[1] != "-c" or not os.path.basename(argv[0]).startswith("python"):
        return
    if not any(same_program(argv[0], c["program"]) for c in SPEC.get("commands", [])):
        return
    sys.argv = [argv[0]] + argv[1:]
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
