"""End to end: `heapsnap mcp` driven by the official Python MCP SDK (another implementation).

Opens the stampede pair, asks for the diff, follows the top finding with retainers and
inspect, and checks the facts testdata/README.md states: 2,000 identical Config objects
appeared, each held through InflightRequest.config in the Map `inflight`. The MCP answers
are compared with the CLI's `--json` output for the same files (another surface over the
same core). Then: bounded answers, errors that leave the server serving, path traversal,
and redaction per call and with `--redact`.

usage: python e2e.py HEAPSNAP_BINARY REPO_ROOT
"""
import asyncio
import json
import subprocess
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

WANT_TOOLS = {"open_snapshot", "list_snapshots", "close_snapshot", "summary", "top_objects", "diff",
              "duplicates", "retainers", "path_to_root", "inspect", "dominated", "find"}


def payload(result):
    assert not result.isError, result.content[0].text
    return json.loads(result.content[0].text)


def error(result):
    """A failed call is a tool error (isError) whose message the model can read."""
    assert result.isError, result.content[0].text[:300]
    return result.content[0].text


def cli_json(binary, *args):
    return json.loads(subprocess.run([binary, *args, "--json", "--quiet"], check=True, capture_output=True).stdout)


def server(binary, root, *extra):
    return StdioServerParameters(command=binary, args=["mcp", "--allow", f"{root}/testdata", *extra], cwd=root)


async def investigate(binary, root):
    async with stdio_client(server(binary, root)) as (read, write):
        async with ClientSession(read, write) as s:
            init = await s.initialize()
            assert init.serverInfo.name == "heapsnap", init.serverInfo
            assert "diff" in (init.instructions or ""), init.instructions
            tools = {t.name: t for t in (await s.list_tools()).tools}
            assert WANT_TOOLS <= set(tools), set(tools)
            for t in tools.values():
                assert len(t.description or "") > 40, (t.name, t.description)
                assert t.inputSchema["type"] == "object", t.inputSchema
            assert {"baseline", "spike", "limit"} <= set(tools["diff"].inputSchema["properties"])
            assert tools["retainers"].inputSchema["required"] == ["handle", "id"] or \
                set(tools["retainers"].inputSchema["required"]) == {"handle", "id"}

            started = time.monotonic()
            a = payload(await s.call_tool("open_snapshot", {"path": "stampede-a.heapsnapshot.gz"}))
            b = payload(await s.call_tool("open_snapshot", {"path": "stampede-b.heapsnapshot.gz"}))
            pair_ms = (time.monotonic() - started) * 1000
            assert (b["nodes"], b["edges"]) == (84137, 339806), b
            print(f"opened the stampede pair in {pair_ms:.0f} ms round trip "
                  f"(a: {a['nodes']} nodes, {a['load_ms']} ms; b: {b['nodes']} nodes, {b['load_ms']} ms)")
            again = payload(await s.call_tool("open_snapshot", {"path": f"{root}/testdata/stampede-b.heapsnapshot.gz"}))
            assert again["handle"] == b["handle"] and again["already_open"], again
            listed = payload(await s.call_tool("list_snapshots", {}))
            assert {x["handle"] for x in listed["snapshots"]} == {a["handle"], b["handle"]}, listed

            # The same report as `heapsnap diff --json -n 5` on the same files.
            started = time.monotonic()
            d = payload(await s.call_tool("diff", {"baseline": a["handle"], "spike": b["handle"], "limit": 5}))
            diff_ms = (time.monotonic() - started) * 1000
            cli = cli_json(binary, "diff", "testdata/stampede-a.heapsnapshot.gz",
                           "testdata/stampede-b.heapsnapshot.gz", "-n", "5")
            for key in ["findings", "growth", "duplicates", "duplicate_strings", "id_match", "total_growth", "base", "spike"]:
                assert d[key] == cli[key], (key, d[key], cli[key])
            assert d["classes"] == cli["classes"][:5], "Comparison rows: the CLI's first five"
            top = d["findings"][0]
            assert top["kind"] == "duplicates", top
            cluster = d["duplicates"][top["duplicate_index"]]["cluster"]
            assert cluster["class_name"] == "Config" and cluster["count"] == 2000, cluster
            assert cluster["top_retainer"] == {"class_name": "InflightRequest", "edge": ".config", "count": 2000}
            assert cluster["common_holder"]["class_name"] == "Map", cluster["common_holder"]
            print(f"diff in {diff_ms:.0f} ms round trip, {len(json.dumps(d))} bytes; top finding: {top['text']}")

            # Follow the finding: who holds one copy, up to the Map.
            example = cluster["example"]["id"]
            r = payload(await s.call_tool("retainers", {"handle": b["handle"], "id": example, "depth": 3}))
            first = r["retainers"][0]
            assert first["object"]["class_name"] == "InflightRequest" and first["edge"] == ".config", first
            cli_path = cli_json(binary, "path", "testdata/stampede-b.heapsnapshot.gz", f"@{example}", "-n", "10")
            assert [x["object"]["id"] for x in r["retainers"]] == [x["object"]["id"] for x in cli_path["retainers"]]
            level2 = [x["object"]["class_name"] for x in first["retainers"]]
            assert level2 and level2[0] == "(array)", level2  # the Map's backing table

            holder = cluster["common_holder"]["id"]
            i = payload(await s.call_tool("inspect", {"handle": b["handle"], "id": f"@{holder}", "limit": 5}))
            assert i["object"]["class_name"] == "Map" and len(i["edges"]) <= 5 and i["edge_count"] >= 1, i
            assert i["object"]["retained_size"] >= 2000 * cluster["example"]["retained_size"], i["object"]

            p = payload(await s.call_tool("path_to_root", {"handle": b["handle"], "id": example}))
            assert ".inflight → Map" in p["text"] and p["path"] == cli_path["path"], p["text"]

            f = payload(await s.call_tool("find", {"handle": b["handle"], "class": "Config", "limit": 3}))
            assert f["count"] == 2001 and len(f["objects"]) == 3, f

            # The duplicate cluster from the spike alone, as `heapsnap duplicates --json`.
            dup = payload(await s.call_tool("duplicates", {"handle": b["handle"], "limit": 3}))
            cli_dup = cli_json(binary, "duplicates", "testdata/stampede-b.heapsnapshot.gz", "-n", "3")
            assert dup["clusters"] == cli_dup["clusters"], "same clusters as the CLI"
            assert dup["clusters"][0]["class_name"] == "Config" and dup["clusters"][0]["count"] == 2000

            sm = payload(await s.call_tool("summary", {"handle": b["handle"], "filter": "config"}))
            cli_sm = cli_json(binary, "summary", "testdata/stampede-b.heapsnapshot.gz", "-n", "0")
            want = [c for c in cli_sm["classes"] if "config" in c["name"].lower()]
            assert [(c["name"], c["count"], c["retained_size"]) for c in sm["classes"]] == \
                [(c["name"], c["count"], c["retained_size"]) for c in want], (sm["classes"], want)

            # Bounded: an absurd limit is clamped; pages follow each other.
            big = payload(await s.call_tool("top_objects", {"handle": b["handle"], "limit": 100000}))
            assert len(big["objects"]) == 200, len(big["objects"])
            page = payload(await s.call_tool("top_objects", {"handle": b["handle"], "offset": 10, "limit": 5}))
            assert page["objects"] == big["objects"][10:15]
            classes = payload(await s.call_tool("summary", {"handle": b["handle"], "offset": 150, "limit": 50}))
            assert len(classes["classes"]) == classes["class_count"] - 150, classes
            wide = await s.call_tool("retainers", {"handle": b["handle"], "id": example, "depth": 8, "limit": 200})
            assert len(wide.content[0].text) <= 100_000

            # Redaction per call: string contents go, class names stay.
            plain = payload(await s.call_tool("find", {"handle": b["handle"], "string": "svc:", "limit": 2}))
            red = payload(await s.call_tool("find", {"handle": b["handle"], "string": "svc:", "limit": 2, "redact": True}))
            assert "svc:" in plain["objects"][0]["name"], plain
            assert red["objects"][0]["name"].startswith("<string len=") and "svc:" not in json.dumps(red), red

            # Errors are tool errors with a clear message, and the server keeps serving.
            assert "no open snapshot" in error(await s.call_tool("summary", {"handle": "nope"}))
            assert "no object with id" in error(await s.call_tool("inspect", {"handle": b["handle"], "id": 999999999}))
            assert "not an object id" in error(await s.call_tool("inspect", {"handle": b["handle"], "id": "Config"}))
            for path in ["../Cargo.toml", "/etc/passwd", "stampede-a/../../../../etc/passwd", f"{root}/README.md"]:
                assert "outside" in error(await s.call_tool("open_snapshot", {"path": path})), path
            assert "not a readable heap snapshot" in error(await s.call_tool("open_snapshot", {"path": "README.md"}))
            again = payload(await s.call_tool("top_objects", {"handle": b["handle"], "limit": 1}))
            assert len(again["objects"]) == 1
            payload(await s.call_tool("close_snapshot", {"handle": a["handle"]}))
            assert "no open snapshot" in error(await s.call_tool("diff", {"baseline": a["handle"], "spike": b["handle"]}))


async def redacted_server(binary, root):
    async with stdio_client(server(binary, root, "--redact")) as (read, write):
        async with ClientSession(read, write) as s:
            init = await s.initialize()
            assert "redacted" in init.instructions, init.instructions
            a = payload(await s.call_tool("open_snapshot", {"path": "stampede-a.heapsnapshot.gz"}))
            b = payload(await s.call_tool("open_snapshot", {"path": "stampede-b.heapsnapshot.gz"}))
            answers = [await s.call_tool("diff", {"baseline": a["handle"], "spike": b["handle"], "limit": 20}),
                       await s.call_tool("duplicates", {"handle": b["handle"], "limit": 20}),
                       await s.call_tool("find", {"handle": b["handle"], "string": "svc", "limit": 50, "redact": False}),
                       await s.call_tool("top_objects", {"handle": a["handle"], "limit": 200})]
            config = payload(await s.call_tool("find", {"handle": a["handle"], "class": "Config"}))["objects"][0]
            answers.append(await s.call_tool("path_to_root", {"handle": a["handle"], "id": config["id"]}))
            text = "".join(r.content[0].text for r in answers)
            for secret in ["cart-svc", "pay-svc", "orders-svc", "eu-west-1", "checkout"]:
                assert secret not in text, f"{secret} reached the model"
            path = payload(answers[-1])["text"]
            assert ".configCache → Map" in path and ".get(<string len=8 hash=" in path, path


async def main(binary, root):
    await investigate(binary, root)
    await redacted_server(binary, root)
    print("mcp e2e: ok")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
