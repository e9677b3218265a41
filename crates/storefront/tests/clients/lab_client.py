"""A lab client written with nothing but Python's standard library.

It speaks the lab protocol over one keep-alive connection, the way the
course's clients did, and exits non-zero on the first surprise. The Rust test
`foreign_client.rs` runs it against a real store.
"""

import http.client
import json
import sys


def call(conn, method, path, body=None):
    headers = {}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = json.loads(response.read())
    return response.status, data


def expect(condition, message):
    if not condition:
        print("FAIL:", message)
        sys.exit(1)


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)

    status, data = call(conn, "GET", "/products/Tux")
    expect(status == 200, f"query: {status} {data}")
    expect(set(data["data"]) == {"name", "price", "quantity"}, f"query fields: {data}")
    expect(data["data"]["price"] == 15.99, f"price: {data}")
    before = data["data"]["quantity"]

    numbers = []
    for _ in range(3):
        status, data = call(conn, "POST", "/orders", {"name": "Tux", "quantity": 2})
        expect(status == 200, f"buy: {status} {data}")
        numbers.append(data["data"]["order_number"])
    expect(numbers == sorted(numbers) and len(set(numbers)) == 3, f"numbers: {numbers}")

    status, data = call(conn, "GET", f"/orders/{numbers[0]}")
    expect(status == 200, f"lookup: {status} {data}")
    expect(data["data"] == {"number": numbers[0], "name": "Tux", "quantity": 2}, f"lookup: {data}")

    status, data = call(conn, "GET", "/products/Tux")
    expect(data["data"]["quantity"] == before - 6, f"stock after buys: {data}")

    for method, path, body, code in [
        ("GET", "/products/NoSuchToy", None, 404),
        ("POST", "/orders", {"name": "Tux", "quantity": 0}, 422),
        ("POST", "/orders", {"name": "Tux", "quantity": 10**9}, 422),
        ("POST", "/orders", {"name": "NoSuchToy", "quantity": 1}, 404),
        ("GET", "/orders/999999", None, 404),
    ]:
        status, data = call(conn, method, path, body)
        expect(status == code, f"{method} {path}: {status} {data}")
        expect(data["error"]["code"] == code and data["error"]["message"], f"error object: {data}")

    conn.close()
    print("python lab client: ok")


if __name__ == "__main__":
    main()
