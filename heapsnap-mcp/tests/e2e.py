"""End-to-end: `heapsnap mcp` driven by the official Python MCP SDK (another implementation).

Opens the stampede pair, asks for the diff, follows the top finding with retainers and
inspect, and checks the numbers the testdata README states: 2,000 identical Config objects
appeared, held through InflightRequest.config in the Map `inflight`.

usage: python e2e.py HEAPSNAP_BINARY REPO_ROOT
"""
import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import McpError


def payload(result):
    assert not result.isError, result.content
    return json.loads(result.content[0].text)


async def main(binary, root):
    params = StdioServerParameters(command=binary, args=["mcp", "--allow", f"{root}/testdata"], cwd=root)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as s:
            init = await s.initialize()
            assert init.serverInfo is not None
            names = {t.name for t in (await s.list_tools()).tools}
            want = {"open_snapshot", "summary", "top_objects", "diff", "duplicates", "retainers",
                    "path_to_root", "inspect", "find", "close_snapshot"}
            assert want <= names, names
            diff_tool = next(t for t in (await s.list_tools()).tools if t.name == "diff")
            assert {"baseline", "spike"} <= set(diff_tool.inputSchema["properties"]), diff_tool.inputSchema

            a = payload(await s.call_tool("open_snapshot", {"path": "stampede-a.heapsnapshot.gz"}))
            b = payload(await s.call_tool("open_snapshot", {"path": "stampede-b.heapsnapshot.gz"}))
            assert b["nodes"] == 84137 and b["edges"] == 339806, b
            print(f"opened: a {a['nodes']} nodes in {a['load_ms']} ms, b {b['nodes']} nodes in {b['load_ms']} ms")

            d = payload(await s.call_tool("diff", {"baseline": a["handle"], "spike": b["handle"], "limit": 5}))
            top = d["findings"][0]
            assert top["kind"] == "duplicates", top
            cluster = d["duplicates"][top["duplicate_index"]]["cluster"]
            assert cluster["class_name"] == "Config" and cluster["count"] == 2000, cluster
            assert cluster["top_retainer"]["edge"] == ".config", cluster["top_retainer"]
            assert cluster["common_holder"]["class_name"] == "Map", cluster["common_holder"]
            print("top finding:", top["text"])

            example = cluster["example"]["id"]
            r = payload(await s.call_tool("retainers", {"handle": b["handle"], "id": example, "depth": 3}))
            first = r["retainers"][0]
            assert first["object"]["class_name"] == "InflightRequest" and first["edge"] == ".config", first
            assert "retainers" in first, "the tree goes more than one level up"

            holder = cluster["common_holder"]["id"]
            i = payload(await s.call_tool("inspect", {"handle": b["handle"], "id": holder, "limit": 5}))
            assert i["object"]["class_name"] == "Map" and len(i["edges"]) <= 5 and i["edge_count"] >= 1, i

            p = payload(await s.call_tool("path_to_root", {"handle": b["handle"], "id": example}))
            assert "inflight" in p["text"], p["text"]

            f = payload(await s.call_tool("find", {"handle": b["handle"], "class": "Config", "limit": 3}))
            assert f["count"] == 2001 and len(f["objects"]) == 3, f

            # Bounded: an absurd limit is clamped.
            sm = payload(await s.call_tool("summary", {"handle": b["handle"], "limit": 100000}))
            assert len(sm["classes"]) <= 200 and sm["class_count"] > 100, (len(sm["classes"]), sm["class_count"])

            # Redaction per call: string contents go, class names stay.
            plain = payload(await s.call_tool("find", {"handle": b["handle"], "string": "svc:", "limit": 2}))
            red = payload(await s.call_tool("find", {"handle": b["handle"], "string": "svc:", "limit": 2, "redact": True}))
            assert "svc:" in plain["objects"][0]["name"], plain
            assert red["objects"][0]["name"].startswith("<string len=") and "svc:" not in json.dumps(red), red

            # Errors are MCP errors, and the server keeps serving.
            for tool, args in [("summary", {"handle": "nope"}),
                               ("inspect", {"handle": b["handle"], "id": 999999999}),
                               ("open_snapshot", {"path": "../Cargo.toml"}),
                               ("open_snapshot", {"path": "/etc/passwd"})]:
                try:
                    res = await s.call_tool(tool, args)
                    assert res.isError, (tool, args, res)
                except McpError as e:
                    assert e.error.message, (tool, args)
            again = payload(await s.call_tool("top_objects", {"handle": b["handle"], "limit": 1}))
            assert len(again["objects"]) == 1
    print("mcp e2e: ok")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
