"""The statement on chain: publish its hash, acknowledge it by EIP-712 signature, read who did.

Published and acknowledged statements are read back from the index (the Settlement contract's
`StatementPublished` and `Acknowledged` events), so `status` and `verify` need no node; a statement
whose parties have not all acknowledged it stays open."""

from __future__ import annotations

import json

from web3 import Web3

from servicecoin.eip712 import sign_typed, typed_data
from servicecoin.errors import ConfigError
from servicecoin.index.db import Database
from servicecoin.settlement.document import canonical, parties, statement_hash
from servicecoin.settlement.periods import label_of

ACK_FIELDS = [("period", "bytes32"), ("statementHash", "bytes32"), ("party", "address"), ("net", "int256")]
DOMAIN = ("ServiceCoin Settlement", "1")


def period_bytes(statement: dict) -> bytes:
    return statement["period"]["label"].encode("ascii").ljust(32, b"\0")


def ack_typed_data(chain_id: int, contract: str, period: bytes, digest: bytes, party: str, net: int) -> dict:
    """The EIP-712 acknowledgement a merchant signs: the period, the statement hash, itself and its net."""
    message = {"period": period, "statementHash": digest, "party": Web3.to_checksum_address(party), "net": int(net)}
    return typed_data("Acknowledge", ACK_FIELDS, *DOMAIN, chain_id, contract, message)


def net_of(statement: dict, party: str) -> int:
    for m in statement["merchants"]:
        if m["address"] == party.lower():
            return int(m["net_atoms"])
    raise ConfigError(f"{party} is not a party of the statement of {statement['period']['label']}")


def publish(chain, statement: dict, sender="operator") -> dict:
    """Put the statement's hash and its parties on chain; returns {period, hash, parties, tx, gas}."""
    contract = chain.contract("Settlement", Web3.to_checksum_address(statement["settlement_contract"]))
    who = parties(statement)
    if not who:
        raise ConfigError(f"period {statement['period']['label']}: no merchant took part; nothing to publish")
    digest = statement_hash(statement)
    already = contract.functions.statement(period_bytes(statement)).call()[0]
    if int.from_bytes(bytes(already), "big"):
        raise ConfigError(f"period {statement['period']['label']}: a statement is already published "
                          f"(0x{bytes(already).hex()}); 'svc settlement status' shows who acknowledged it")
    receipt = chain.transact(contract.functions.publish(period_bytes(statement), digest,
                                                        [Web3.to_checksum_address(p) for p in who]), sender)
    return {"period": statement["period"]["label"], "hash": "0x" + digest.hex(), "parties": who,
            "tx": "0x" + bytes(receipt["transactionHash"]).hex(), "gas": receipt["gasUsed"]}


def sign_ack(key, chain_id: int, statement: dict, party: str) -> bytes:
    data = ack_typed_data(chain_id, statement["settlement_contract"], period_bytes(statement),
                          statement_hash(statement), party, net_of(statement, party))
    return bytes(sign_typed(key, data).signature)


def acknowledge(chain, statement: dict, signer, sender=None) -> dict:
    """`signer` (a merchant's key) signs its acknowledgement; `sender` (default: the signer) submits it."""
    party = signer.address
    net = net_of(statement, party)
    signature = sign_ack(signer.key, chain.chain_id, statement, party)
    contract = chain.contract("Settlement", Web3.to_checksum_address(statement["settlement_contract"]))
    on_chain = bytes(contract.functions.statement(period_bytes(statement)).call()[0])
    label = statement["period"]["label"]
    if not int.from_bytes(on_chain, "big"):
        raise ConfigError(f"period {label}: no statement published yet ('svc settlement publish {label}')")
    if on_chain != statement_hash(statement):
        raise ConfigError(f"period {label}: your statement (0x{statement_hash(statement).hex()}) differs from the "
                          f"published one (0x{on_chain.hex()}): compare with 'svc settlement verify FILE'")
    if contract.functions.partyStatus(period_bytes(statement), party).call()[1]:
        raise ConfigError(f"period {label}: {party} has already acknowledged the statement")
    receipt = chain.transact(contract.functions.acknowledge(period_bytes(statement), statement_hash(statement), party,
                                                            net, signature), sender or signer)
    return {"period": statement["period"]["label"], "party": party.lower(), "net_atoms": net,
            "tx": "0x" + bytes(receipt["transactionHash"]).hex(), "gas": receipt["gasUsed"]}


def published(db: Database) -> dict[str, dict]:
    """period label → {hash, parties: {address: ack or None}, published_block, open} from the index."""
    out: dict[str, dict] = {}
    for block, ts, name, args in db.query(
            "SELECT block, ts, name, args FROM events WHERE contract = 'Settlement' AND name IN "
            "('StatementPublished', 'Acknowledged') ORDER BY block, log_index"):
        a = json.loads(args)
        label = label_of(a["period"])
        if name == "StatementPublished":
            out[label] = {"period": label, "hash": a["statementHash"], "published_block": block, "published_ts": ts,
                          "parties": {p.lower(): None for p in a["parties"]}}
        elif label in out:
            out[label]["parties"][a["party"].lower()] = {"net_atoms": int(a["net"]), "hash": a["statementHash"],
                                                         "block": block, "ts": ts}
    for s in out.values():
        s["acknowledged"] = sum(1 for v in s["parties"].values() if v)
        s["open"] = s["acknowledged"] < len(s["parties"])
    return out


def verify(db: Database, statement: dict) -> dict:
    """Does the file match the published hash, and which parties acknowledged which figures?"""
    label = statement["period"]["label"]
    digest = "0x" + statement_hash(statement).hex()
    pub = published(db).get(label)
    rows = []
    for m in statement["merchants"]:
        ack = pub["parties"].get(m["address"]) if pub else None
        rows.append({"address": m["address"], "net": m["net"], "acknowledged": bool(ack),
                     "acknowledged_net_matches": bool(ack) and ack["net_atoms"] == int(m["net_atoms"])})
    return {"period": label, "file_hash": digest, "published_hash": pub["hash"] if pub else None,
            "matches": bool(pub) and pub["hash"] == digest, "open": pub["open"] if pub else True,
            "parties": rows, "bytes": len(canonical(statement))}


def terms_on_chain(chain, address: str | None = None) -> dict:
    """The deployment's Settlement terms now: in force, announced (pending) and when they apply."""
    from servicecoin.money import Terms

    current, pending, pending_at = chain.contract("Settlement", address).functions.terms().call()
    return {"current": Terms.from_event(bytes(current[0]), current[1], current[2]).as_json(),
            "pending": Terms.from_event(bytes(pending[0]), pending[1], pending[2]).as_json() if pending_at else None,
            "pending_at": pending_at or None}


def announce_terms(chain, terms, sender="deployer", address: str | None = None) -> dict:
    """Announce new terms (the admin's key); they apply after the notice period."""
    contract = chain.contract("Settlement", address)
    receipt = chain.transact(contract.functions.announceTerms(*terms.to_chain()), sender)
    event = contract.events.TermsAnnounced().process_receipt(receipt)[0]["args"]
    return {**terms.as_json(), "effective_at": event["effectiveAt"],
            "tx": "0x" + bytes(receipt["transactionHash"]).hex()}
