"""The operators' local PostgreSQL: a cluster under .servicecoin/postgres/, started and stopped like the
local chain (localchain.py), for an index that has outgrown SQLite.

    .servicecoin/postgres/         the folder (the current user's; must be traversable by the server user)
        password                   the generated password of the `svc` role (mode 0600)
        port                       the port chosen at the first start, reused so the URL stays the same
        server/                    owned by the server user, mode 0700
            data/                  the cluster (initdb)
            postgres.log           the server's log
            .s.PGSQL.<port>        its unix socket

The server listens on 127.0.0.1 and on the unix socket in server/ only, and every connection needs
the password (scram-sha-256). The binaries are Debian's, /usr/lib/postgresql/<version>/bin (the
highest version installed), else the first `pg_ctl` on PATH. PostgreSQL refuses to run as root: when
svc runs as root the cluster belongs to, and the server runs as, the `postgres` system user that the
Debian package creates (via runuser); otherwise it runs as the current user.
"""

from __future__ import annotations

import glob
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from servicecoin.errors import ServiceCoinError
from servicecoin.paths import DATA_DIR

DB_DIR = DATA_DIR / "postgres"
DEFAULT_PORT = 5432  # used when free at the first start; another free port otherwise
ROLE = "svc"
DATABASE = "servicecoin"
SERVER_USER = "postgres"  # who owns and runs the cluster when svc runs as root


class LocalDbError(ServiceCoinError):
    """The local PostgreSQL cannot be set up, started or reached (the message says where to look)."""


@dataclass(frozen=True)
class LocalDb:
    """Where one local cluster keeps its files, and on which port it listens (None: the saved port,
    else DEFAULT_PORT if free, else any free one). `settings` are extra `-c name=value` server settings
    (the tests pass fsync=off)."""

    folder: Path = DB_DIR
    port: int | None = None
    settings: tuple[str, ...] = field(default=())

    @property
    def server_dir(self) -> Path:
        return self.folder / "server"

    @property
    def data_dir(self) -> Path:
        return self.server_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.server_dir / "postgres.log"

    @property
    def password_file(self) -> Path:
        return self.folder / "password"

    @property
    def port_file(self) -> Path:
        return self.folder / "port"


DEFAULT = LocalDb()


@dataclass
class DbStatus:
    running: bool
    pid: int | None
    url: str | None
    port: int | None
    version: str | None
    data_dir: Path


# --------------------------------------------------------------------------- binaries and users
def bin_dir() -> Path:
    """The folder of the newest installed PostgreSQL server binaries."""
    def version(path: str) -> tuple:
        return tuple(int(p) for p in re.findall(r"\d+", path.split("/")[-3]))

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    raise LocalDbError("PostgreSQL server not found: run 'make setup' (it installs the Debian package "
                       "postgresql) or apt-get install -y postgresql")


def available() -> str | None:
    """None when a local cluster can be started here; else the reason it cannot."""
    try:
        folder = bin_dir()
    except LocalDbError as exc:
        return str(exc)
    if not (folder / "initdb").exists() or not (folder / "postgres").exists():
        return f"{folder}: initdb or postgres missing (a client-only install?): apt-get install -y postgresql"
    if os.geteuid() == 0 and not _user_exists(SERVER_USER):
        return f"running as root needs the '{SERVER_USER}' system user (the Debian package creates it)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg package is missing: pip install -r requirements.txt"
    return None


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _as_server(cmd: list[str]) -> list[str]:
    """`cmd` run as the user that owns the cluster: postgres when we are root, else ourselves."""
    return ["runuser", "-u", SERVER_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], what: str, timeout: float = 120) -> str:
    try:
        done = subprocess.run(_as_server(cmd), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LocalDbError(f"{what}: no answer within {timeout:.0f}s") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise LocalDbError(f"{what} failed: {detail[-1] if detail else f'exit code {done.returncode}'}")
    return done.stdout


# --------------------------------------------------------------------------- ports and URL
def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _saved_port(ld: LocalDb) -> int | None:
    try:
        return int(ld.port_file.read_text())
    except (FileNotFoundError, ValueError):
        return None


def _choose_port(ld: LocalDb) -> int:
    if ld.port is not None:
        return ld.port
    saved = _saved_port(ld)
    if saved is not None:
        return saved
    return DEFAULT_PORT if _port_free(DEFAULT_PORT) else free_port()


def url(ld: LocalDb = DEFAULT, port: int | None = None) -> str | None:
    """The URL of the cluster's `servicecoin` database (None before the first start)."""
    port = port or ld.port or _saved_port(ld)
    try:
        password = ld.password_file.read_text().strip()
    except FileNotFoundError:
        return None
    return f"postgresql://{ROLE}:{password}@127.0.0.1:{port}/{DATABASE}" if port else None


# --------------------------------------------------------------------------- status
def _pid(ld: LocalDb) -> int | None:
    """The postmaster's pid from postmaster.pid, if that process is alive."""
    try:
        pid = int((ld.data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):  # PermissionError: not ours to read
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return pid


def _running_port(ld: LocalDb) -> int | None:
    """The port the running server listens on (line 4 of postmaster.pid)."""
    try:
        return int((ld.data_dir / "postmaster.pid").read_text().splitlines()[3])
    except (OSError, ValueError, IndexError):
        return None


def _answers(address: str, timeout: int = 2) -> str | None:
    """The server version, if `address` (a URL) takes a connection and a query."""
    import psycopg

    try:
        with psycopg.connect(address, connect_timeout=timeout) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error:
        return None


def status(ld: LocalDb = DEFAULT) -> DbStatus:
    pid = _pid(ld)
    port = _running_port(ld) if pid else (ld.port or _saved_port(ld))
    address = url(ld, port)
    version = _answers(address) if pid and address else None
    return DbStatus(pid is not None and version is not None, pid, address, port, version, ld.data_dir)


# --------------------------------------------------------------------------- start / stop
def _prepare(ld: LocalDb) -> None:
    """The folder, the password, and server/ owned by the server user; initdb on first use."""
    ld.folder.mkdir(parents=True, exist_ok=True)
    if not ld.password_file.exists():
        ld.password_file.touch(mode=0o600)
        ld.password_file.write_text(secrets.token_urlsafe(24) + "\n")
    if (ld.data_dir / "PG_VERSION").exists():
        return
    ld.server_dir.mkdir(mode=0o700, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(ld.server_dir, SERVER_USER, SERVER_USER)
        try:
            _run(["test", "-w", str(ld.server_dir)], "access check")
        except LocalDbError:
            raise LocalDbError(f"{ld.server_dir}: the '{SERVER_USER}' user cannot reach it: every folder above "
                               f"it must be searchable by others (chmod o+x)") from None
    pwfile = ld.server_dir / "initdb.pw"  # initdb reads the password from a file the server user can read
    pwfile.touch(mode=0o600)
    try:
        pwfile.write_text(ld.password_file.read_text())
        if os.geteuid() == 0:
            shutil.chown(pwfile, SERVER_USER, SERVER_USER)
        _run([str(bin_dir() / "initdb"), "-D", str(ld.data_dir), "-U", ROLE, "-A", "scram-sha-256",
              "-E", "UTF8", "--locale=C", f"--pwfile={pwfile}"], "initdb")
    finally:
        pwfile.unlink(missing_ok=True)


def _create_database(address: str, name: str = DATABASE) -> None:
    import psycopg

    admin = address.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f"CREATE DATABASE {name}")


def database_url(ld: LocalDb = DEFAULT, name: str = DATABASE) -> str:
    """The URL of database `name` on the running cluster, created if missing (one index per network:
    an index refuses a second chain, so a second network gets a database of its own)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise LocalDbError(f"{name!r}: a database name is lower-case letters, digits and _ (not first)")
    current = status(ld)
    if not current.running:
        raise LocalDbError("the local PostgreSQL is not running: svc db start")
    _create_database(current.url, name)
    return current.url.rsplit("/", 1)[0] + "/" + name


def start(ld: LocalDb = DEFAULT, timeout: float = 60) -> DbStatus:
    """Start the cluster (creating it on first use), or reuse the running one; creates the
    `servicecoin` database. Returns its status, with the URL."""
    current = status(ld)
    if current.running:
        return current
    reason = available()
    if reason:
        raise LocalDbError(reason)
    if current.pid is not None:
        raise LocalDbError(f"a server (pid {current.pid}) holds {ld.data_dir} but does not answer; "
                           f"see {ld.log_file} or run 'svc db stop'")
    port = _choose_port(ld)
    if not _port_free(port):
        raise LocalDbError(f"port {port} is already in use: not starting PostgreSQL there "
                           f"(svc db start --port N, or SVC_DB_PORT)")
    _prepare(ld)
    options = [f"-p {port}", f"-k {ld.server_dir}", "-c listen_addresses=127.0.0.1"]
    options += [f"-c {s}" for s in ld.settings]
    try:
        _run([str(bin_dir() / "pg_ctl"), "-D", str(ld.data_dir), "-l", str(ld.log_file), "-w",
              "-t", str(int(timeout)), "-o", " ".join(options), "start"], "pg_ctl start", timeout=timeout + 10)
    except LocalDbError as exc:
        raise LocalDbError(f"{exc}; see {ld.log_file}") from None
    ld.port_file.write_text(f"{port}\n")
    _create_database(url(ld, port))
    current = status(ld)
    if not current.running:
        raise LocalDbError(f"PostgreSQL started but does not answer on port {port}; see {ld.log_file}")
    return current


def stop(ld: LocalDb = DEFAULT, timeout: float = 60) -> bool:
    """Stop the cluster (fast shutdown: sessions are closed, the data is kept). Returns whether it ran."""
    if _pid(ld) is None:
        return False
    _run([str(bin_dir() / "pg_ctl"), "-D", str(ld.data_dir), "-m", "fast", "-w", "-t", str(int(timeout)),
          "stop"], "pg_ctl stop", timeout=timeout + 10)
    return True
