"""Generated answers echo what the request pins where the schema allows it (issue 12):
``GET /todos/1`` answers ``"id": 1``, through ``entente mock`` as a user runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from entente_daemon.mock.answer.echo import echo_pinned
from tests.mock.serving import MockProcess

TODOS = """\
openapi: 3.0.3
info: {title: Todos, version: 1.0.0}
paths:
  /todos/{id}:
    get:
      operationId: getTodo
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: the todo
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Todo'}
  /lists/{listId}/items/{itemId}:
    get:
      operationId: getItem
      parameters:
        - {name: listId, in: path, required: true, schema: {type: string}}
        - {name: itemId, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: an item of a list
          content:
            application/json:
              schema:
                type: object
                required: [id, listId, title]
                properties:
                  id: {type: integer}
                  listId: {type: string}
                  title: {type: string}
  /small/{id}:
    get:
      operationId: getSmall
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: ids only up to 10
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: {type: integer, minimum: 1, maximum: 10}
  /named/{id}:
    get:
      operationId: getNamed
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: its id is a string
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: {type: string}
components:
  schemas:
    Todo:
      type: object
      required: [id, title, done]
      properties:
        id: {type: integer, format: int64}
        title: {type: string}
        done: {type: boolean}
"""


def test_generated_answers_echo_the_path_parameters(tmp_path: Path) -> None:
    spec = tmp_path / "todos.yaml"
    spec.write_text(TODOS, encoding="utf-8")
    mock = MockProcess.start(str(spec), "--no-record", home=tmp_path / "home", cwd=tmp_path)
    try:
        with httpx.Client(base_url=mock.url, timeout=30) as client:
            todo = client.get("/todos/1")
            again = client.get("/todos/1")
            other = client.get("/todos/42")
            item = client.get("/lists/groceries/items/7")
            small = client.get("/small/99")  # 99 does not fit: the generated id stays
            named = client.get("/named/5")  # an integer does not go into a string
    finally:
        assert mock.stop() == 0, mock.stderr.text
    assert todo.status_code == 200
    assert todo.headers["x-entente-source"] == "generated"
    assert todo.json()["id"] == 1
    assert again.content == todo.content  # deterministic
    assert other.json()["id"] == 42
    assert item.json()["id"] == 7
    assert item.json()["listId"] == "groceries"
    assert 1 <= small.json()["id"] <= 10
    assert "x-entente-validation" not in small.headers
    assert isinstance(named.json()["id"], str)


def fits_all(value: Any) -> bool:
    return True


def test_echo_leaves_what_it_cannot_pin() -> None:
    body = {"id": 3, "name": "x"}
    assert echo_pinned(body, {"id": 9}, fits_all) == {"id": 9, "name": "x"}
    assert echo_pinned(body, {"id": 9}, lambda value: False) == body
    assert echo_pinned(body, {"id": "9"}, fits_all) == body
    assert echo_pinned(body, {"name": None}, fits_all) == body
    assert echo_pinned([body], {"id": 9}, fits_all) == [body]
    assert echo_pinned(body, {"castleId": 9}, fits_all) == {"id": 9, "name": "x"}
    assert echo_pinned(body, {"castleId": 9, "other": 1}, fits_all) == body
