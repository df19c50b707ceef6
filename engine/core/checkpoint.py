"""Signed checkpoints of the trail: what the database said at a moment, kept where it cannot reach.

A checkpoint is one canonical JSON object (engine.trail.canonical):

    {"format": "yifa-trail-checkpoint/1",
     "at": "2026-12-04T16:00:00.000000+00:00",
     "chains": {"<chain>": {"seq": 12, "hash": "<64 hex>"}, …},      every chain's head
     "records": {"<chain>": "<64 hex>", …},                           every stored record's digest
     "key": "ed25519:<sha256 hex of the raw 32-byte public key>",
     "signature": "<base64 Ed25519 signature>"}

The signature is Ed25519 over the UTF-8 canonical JSON of the object without "signature". The
private key (YIFA_TRAIL_KEY, a PEM file outside the database) signs; whoever holds only the
public key (FILE.pub) can verify but never sign, so an auditor's copy of the public key and of the
checkpoints proves what the trail held, even against the database administrator.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.orm import Session

from engine.core.errors import CheckpointError
from engine.core.record_states import Finding, check_records, stored_records
from engine.store import trail_rows
from engine.store.models import iso_utc
from engine.trail import canonical

FORMAT = "yifa-trail-checkpoint/1"
KEY_ENV = "YIFA_TRAIL_KEY"


# ---------------------------------------------------------------- keys
def generate_key(out: Path) -> Path:
    """Write a new private key to `out` (PEM, mode 0600, never overwritten) and its public key to `out`.pub."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    pub = out.with_name(out.name + ".pub")
    for path in (out, pub):
        if path.exists():
            raise CheckpointError(f"{path} 已存在，不会覆盖", f"{path} exists: it is not overwritten")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private)
    pub.write_bytes(public)
    return pub


def key_path() -> Path:
    """The private key file named by $YIFA_TRAIL_KEY, or an error saying it is not set."""
    configured = os.environ.get(KEY_ENV, "").strip()
    if not configured:
        raise CheckpointError(f"未设置签名密钥：请将 {KEY_ENV} 设为私钥文件路径（yifa trail keygen 生成）",
                              f"no signing key: set {KEY_ENV} to the path of a key file (made by `yifa trail keygen`)")
    return Path(configured)


def _pem(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{path}: 无法读取密钥：{exc.strerror or exc}", f"{path}: cannot read the key: {exc.strerror or exc}") from None


def load_private_key(path: Path) -> Any:
    """The Ed25519 private key in a PEM file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    text = _pem(path)
    return _ed25519_key(path, lambda: load_pem_private_key(text, password=None), Ed25519PrivateKey,
                        ("私钥", "private"))


def load_public_key(path: Path) -> Any:
    """The Ed25519 public key in a PEM file; given a private key file, its public half."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    text = _pem(path)
    if b"PRIVATE KEY" in text:
        return load_private_key(path).public_key()
    return _ed25519_key(path, lambda: load_pem_public_key(text), Ed25519PublicKey, ("公钥", "public"))


def _ed25519_key(path: Path, load: Callable[[], Any], kind: type, said: tuple[str, str]) -> Any:
    """The key `load()` reads from the file, refused unless it is an Ed25519 key of that kind."""
    try:
        key = load()
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, kind):
        zh, en = said
        raise CheckpointError(f"{path}: 不是 Ed25519 {zh}（PEM）", f"{path}: not an Ed25519 {en} key (PEM)")
    return key


def fingerprint(public_key: Any) -> str:
    """`ed25519:` and the SHA-256 of the raw 32-byte public key."""
    return "ed25519:" + hashlib.sha256(public_key.public_bytes_raw()).hexdigest()


# ---------------------------------------------------------------- writing
def take(session: Session, private_key: Any, at: datetime) -> dict[str, Any]:
    """The signed checkpoint of the store as this session sees it."""
    heads = trail_rows.chain_heads(session)
    body = {"format": FORMAT, "at": iso_utc(at),
            "chains": {chain: {"seq": seq, "hash": hash_} for chain, (seq, hash_) in sorted(heads.items())},
            "records": {chain: r.digest for chain, r in sorted(stored_records(session).items())},
            "key": fingerprint(private_key.public_key())}
    signature = private_key.sign(canonical(body).encode())
    return {**body, "signature": base64.b64encode(signature).decode("ascii")}


def checked(session: Session, private_key: Any, at: datetime) -> tuple[dict[str, Any] | None, list[str]]:
    """A checkpoint of an intact store; or, when a chain or a record does not verify, none and why.

    A checkpoint vouches for what it holds: a broken state is never signed.
    """
    from engine.trail import verify_all
    broken = [str(s.broken) for s in verify_all(session) if s.broken is not None]
    broken += [str(f) for f in check_records(session)]
    if broken:
        return None, broken
    return take(session, private_key, at), []


def file_name(at: datetime) -> str:
    """The name of a checkpoint file taken at `at`: sortable by time."""
    return "checkpoint-" + at.strftime("%Y%m%dT%H%M%S.%fZ") + ".json"


def write(checkpoint: dict[str, Any], out: Path) -> Path:
    """Write a checkpoint (canonical JSON and a newline); a folder gets a new timestamped file."""
    if out.is_dir():
        out = out / file_name(datetime.fromisoformat(checkpoint["at"]))
    temporary = out.with_name(out.name + ".part")
    temporary.write_text(canonical(checkpoint) + "\n", encoding="utf-8")
    temporary.replace(out)
    return out


# ---------------------------------------------------------------- reading
def _shape_error(path: Path, what: str) -> CheckpointError:
    return CheckpointError(f"{path}: 不是 yifa 审计链检查点（{what}）", f"{path}: not a yifa trail checkpoint ({what})")


def _valid_shape(data: Any) -> str | None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return f"format ≠ {FORMAT}"
    for name in ("at", "key", "signature"):
        if not isinstance(data.get(name), str):
            return name
    chains, records = data.get("chains"), data.get("records")
    if not isinstance(chains, dict) or not all(
            isinstance(h, dict) and type(h.get("seq")) is int and isinstance(h.get("hash"), str)
            for h in chains.values()):
        return "chains"
    if not isinstance(records, dict) or not all(isinstance(d, str) for d in records.values()):
        return "records"
    try:
        datetime.fromisoformat(data["at"])
    except ValueError:
        return "at"
    return None


def read(path: Path, public_key: Any) -> dict[str, Any]:
    """A checkpoint whose signature the public key verifies; anything else is refused (CheckpointError)."""
    from cryptography.exceptions import InvalidSignature
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CheckpointError(f"{path}: 无法读取：{exc.strerror or exc}", f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise _shape_error(path, f"JSON: {exc}") from None
    problem = _valid_shape(data)
    if problem is not None:
        raise _shape_error(path, problem)
    if data["key"] != fingerprint(public_key):
        raise CheckpointError(f"{path}: 检查点由另一把密钥签名（{data['key']}）",
                              f"{path}: the checkpoint was signed by another key ({data['key']})")
    body = {k: v for k, v in data.items() if k != "signature"}
    try:
        public_key.verify(base64.b64decode(data["signature"], validate=True), canonical(body).encode())
    except (InvalidSignature, binascii.Error, ValueError):
        raise CheckpointError(f"{path}: 签名无效：检查点在签名后被改动，或并非此密钥所签",
                              f"{path}: the signature does not verify: the checkpoint was changed after signing, "
                              "or not signed by this key") from None
    return data


# ---------------------------------------------------------------- comparing
@dataclass
class ChainNow:
    """What a chain holds now, as far as a checkpoint needs: its newest seq and one event's hash and time."""

    last_seq: int = 0
    hash_at: str | None = None      # the hash of the event at the checkpoint's seq
    at_of: datetime | None = None   # and when it says it was sealed


def _chains_now(session: Session, wanted: dict[str, int]) -> dict[str, ChainNow]:
    now: dict[str, ChainNow] = {}
    for chain, seq, hash_, at in trail_rows.event_seals(session):
        state = now.setdefault(chain, ChainNow())
        state.last_seq = max(state.last_seq, seq)
        if wanted.get(chain) == seq:
            state.hash_at, state.at_of = hash_, at
    return now


def _chain_findings(chain: str, seq: int, hash_: str, now: ChainNow | None,
                    head: tuple[int, str] | None, taken: datetime) -> list[Finding]:
    if now is None and head is None:
        return [Finding(chain, "wiped", f"检查点记录此链至第 {seq} 号事件，现已整条消失",
                        f"the checkpoint holds this chain up to event #{seq}; the whole chain is gone")]
    last = max(now.last_seq if now else 0, head[0] if head else 0)
    if last < seq:
        return [Finding(chain, "rewound", f"检查点记录至第 {seq} 号事件，现只到第 {last} 号",
                        f"the checkpoint holds event #{seq}; the chain now ends at #{last}")]
    if now is None or now.hash_at is None:
        return [Finding(chain, "rewritten", f"检查点记录的第 {seq} 号事件已不存在",
                        f"event #{seq}, held by the checkpoint, is gone")]
    if now.hash_at == hash_:
        return []
    if now.at_of is not None and now.at_of > taken:
        return [Finding(chain, "forked", f"第 {seq} 号事件已换成检查点之后封存的另一事件：链被截断后另起分支",
                        f"event #{seq} is now another event, sealed after the checkpoint: the chain was cut "
                        "back and grown again on another branch")]
    return [Finding(chain, "rewritten", f"第 {seq} 号事件的哈希与检查点不符：其前的历史被改写并重算哈希",
                    f"event #{seq} no longer has the checkpoint's hash: the history up to it was rewritten "
                    "and its hashes recomputed")]


def compare(session: Session, checkpoint: dict[str, Any]) -> list[Finding]:
    """Every chain wiped, rewound, rewritten or forked since the checkpoint, every record deleted or
    changed without its chain moving on."""
    taken = datetime.fromisoformat(checkpoint["at"])
    wanted = {chain: head["seq"] for chain, head in checkpoint["chains"].items()}
    now = _chains_now(session, wanted)
    heads = trail_rows.chain_heads(session)
    found = [f for chain, head in sorted(checkpoint["chains"].items())
             for f in _chain_findings(chain, head["seq"], head["hash"], now.get(chain), heads.get(chain), taken)]
    records = stored_records(session)
    for chain, digest in sorted(checkpoint["records"].items()):
        record = records.get(chain)
        moved_on = chain in now and now[chain].last_seq > wanted.get(chain, 0)
        if record is None:
            found.append(Finding(chain, "deleted", "检查点中的记录已不在数据库中",
                                 "the record held by the checkpoint is no longer stored"))
        elif record.digest != digest and not moved_on:
            found.append(Finding(chain, "edited", "记录在检查点之后被改动，而其审计链没有新事件",
                                 "the record changed since the checkpoint while its chain recorded nothing"))
    return found
