"""All DynamoDB access for items: one table, the caller's partition, no Scan.

Keys (see README.md): PK=USER#<sub>, SK=ITEM#<id>; GSI1 (projection ALL) lists one status
newest-first: GSI1PK=USER#<sub>#STATUS#<status>, GSI1SK=<updatedAt>#<id>.
Every single-item operation is one request; conditional writes return the current item on
failure (ReturnValuesOnConditionCheckFailure=ALL_OLD) so a conflict costs no second read.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from contract import GSI_HASH_KEY as GSI1PK
from contract import GSI_NAME as GSI1_NAME
from contract import GSI_RANGE_KEY as GSI1SK
from contract import TABLE_HASH_KEY as PK
from contract import TABLE_RANGE_KEY as SK
from models import Item, ItemFields

_CONDITION_FAILED = "ConditionalCheckFailedException"


class ItemNotFound(Exception):
    """No item with that id in the caller's partition."""


class VersionConflict(Exception):
    """The item's version is not the one the write was based on."""

    def __init__(self, current: Item) -> None:
        super().__init__("version conflict")
        self.current = current


class ItemExists(Exception):
    """A create found the id taken: the item and the fingerprint of the request that made it."""

    def __init__(self, existing: Item, request_hash: str) -> None:
        super().__init__("item exists")
        self.existing = existing
        self.request_hash = request_hash


class Page:
    """One page of a listing; `next_key` holds the sort-key parts of LastEvaluatedKey only."""

    __slots__ = ("items", "next_key")

    def __init__(self, items: list[Item], next_key: dict[str, str] | None) -> None:
        self.items = items
        self.next_key = next_key


def user_pk(owner: str) -> str:
    return f"USER#{owner}"


def status_pk(owner: str, status: str) -> str:
    return f"USER#{owner}#STATUS#{status}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _to_item(attrs: dict[str, Any]) -> Item:
    return Item(
        id=attrs["id"]["S"],
        name=attrs["name"]["S"],
        description=attrs.get("description", {"S": ""})["S"],
        status=attrs["status"]["S"],
        tags=tuple(tag["S"] for tag in attrs.get("tags", {"L": []})["L"]),
        version=int(attrs["version"]["N"]),
        created_at=attrs["createdAt"]["S"],
        updated_at=attrs["updatedAt"]["S"],
    )


def _field_values(fields: ItemFields | dict[str, Any]) -> dict[str, dict[str, Any]]:
    values = (
        fields
        if isinstance(fields, dict)
        else {
            "name": fields.name,
            "description": fields.description,
            "status": fields.status,
            "tags": fields.tags,
        }
    )
    out: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        out[key] = {"L": [_s(tag) for tag in value]} if key == "tags" else _s(value)
    return out


def _condition_failed_item(error: ClientError) -> dict[str, Any] | None:
    if error.response.get("Error", {}).get("Code") != _CONDITION_FAILED:
        return None
    return error.response.get("Item") or {}


class ItemRepository:
    """Reads and writes items in the caller's partition through a low-level DynamoDB client."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table_name = table_name

    def _key(self, owner: str, item_id: str) -> dict[str, dict[str, str]]:
        return {PK: _s(user_pk(owner)), SK: _s(f"ITEM#{item_id}")}

    def create(
        self, owner: str, item_id: str, fields: ItemFields, request_hash: str, now: str
    ) -> Item:
        """Put the item only if its id is free; raise ItemExists with the stored item if not."""
        attrs = {
            **self._key(owner, item_id),
            GSI1PK: _s(status_pk(owner, fields.status)),
            GSI1SK: _s(f"{now}#{item_id}"),
            "id": _s(item_id),
            **_field_values(fields),
            "version": {"N": "1"},
            "createdAt": _s(now),
            "updatedAt": _s(now),
            "requestHash": _s(request_hash),
        }
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=attrs,
                ConditionExpression=f"attribute_not_exists({PK})",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            old = _condition_failed_item(error)
            if old is None:
                raise
            raise ItemExists(_to_item(old), old.get("requestHash", {}).get("S", "")) from None
        return _to_item(attrs)

    def get(self, owner: str, item_id: str) -> Item:
        """Strongly consistent read, so a client sees its own writes."""
        response = self.client.get_item(
            TableName=self.table_name, Key=self._key(owner, item_id), ConsistentRead=True
        )
        if "Item" not in response:
            raise ItemNotFound(item_id)
        return _to_item(response["Item"])

    def exists(self, owner: str, item_id: str) -> bool:
        """Existence check that transfers only the key."""
        response = self.client.get_item(
            TableName=self.table_name,
            Key=self._key(owner, item_id),
            ConsistentRead=True,
            ProjectionExpression=SK,
        )
        return "Item" in response

    def update(
        self,
        owner: str,
        item_id: str,
        changes: ItemFields | dict[str, Any],
        expected_version: int,
        now: str,
    ) -> Item:
        """Set the given fields if the stored version is `expected_version`; bump the version."""
        values = _field_values(changes)
        names = {f"#{key}": key for key in values}
        expr_values = {f":{key}": value for key, value in values.items()}
        sets = [f"#{key} = :{key}" for key in values]
        status = changes.status if isinstance(changes, ItemFields) else changes.get("status")
        if status is not None:
            names["#gsi1pk"] = GSI1PK
            expr_values[":gsi1pk"] = _s(status_pk(owner, status))
            sets.append("#gsi1pk = :gsi1pk")
        names.update({"#version": "version", "#updatedAt": "updatedAt", "#gsi1sk": GSI1SK})
        expr_values.update(
            {
                ":expected": {"N": str(expected_version)},
                ":next": {"N": str(expected_version + 1)},
                ":now": _s(now),
                ":gsi1sk": _s(f"{now}#{item_id}"),
            }
        )
        sets += ["#version = :next", "#updatedAt = :now", "#gsi1sk = :gsi1sk"]
        try:
            response = self.client.update_item(
                TableName=self.table_name,
                Key=self._key(owner, item_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="#version = :expected",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=expr_values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            self._raise_condition_failure(error, item_id)
        return _to_item(response["Attributes"])

    def delete(self, owner: str, item_id: str, expected_version: int) -> None:
        """Delete only the version the client read."""
        try:
            self.client.delete_item(
                TableName=self.table_name,
                Key=self._key(owner, item_id),
                ConditionExpression="#version = :expected",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            self._raise_condition_failure(error, item_id)

    @staticmethod
    def _raise_condition_failure(error: ClientError, item_id: str) -> None:
        old = _condition_failed_item(error)
        if old is None:
            raise error
        if not old:
            raise ItemNotFound(item_id) from None
        raise VersionConflict(_to_item(old)) from None

    def list(
        self, owner: str, limit: int, start: dict[str, str] | None, status: str | None
    ) -> Page:
        """One Query on the caller's partition (or its status partition in GSI1), `limit` items.

        `start` carries sort keys only; the partition keys always come from `owner`, so a
        cursor can never move a query into another user's partition.
        """
        params: dict[str, Any] = {"TableName": self.table_name, "Limit": limit}
        if status is None:
            pk = user_pk(owner)
            params.update(
                KeyConditionExpression=f"{PK} = :pk AND begins_with({SK}, :prefix)",
                ExpressionAttributeValues={":pk": _s(pk), ":prefix": _s("ITEM#")},
                ConsistentRead=True,
            )
            if start:
                params["ExclusiveStartKey"] = {PK: _s(pk), SK: _s(start[SK])}
        else:
            gsi_pk = status_pk(owner, status)
            params.update(
                IndexName=GSI1_NAME,
                KeyConditionExpression=f"{GSI1PK} = :pk",
                ExpressionAttributeValues={":pk": _s(gsi_pk)},
                ScanIndexForward=False,
            )
            if start:
                params["ExclusiveStartKey"] = {
                    PK: _s(user_pk(owner)),
                    SK: _s(start[SK]),
                    GSI1PK: _s(gsi_pk),
                    GSI1SK: _s(start[GSI1SK]),
                }
        response = self.client.query(**params)
        last = response.get("LastEvaluatedKey")
        next_key = None
        if last:
            next_key = {SK: last[SK]["S"]}
            if status is not None:
                next_key[GSI1SK] = last[GSI1SK]["S"]
        return Page(items=[_to_item(attrs) for attrs in response["Items"]], next_key=next_key)
