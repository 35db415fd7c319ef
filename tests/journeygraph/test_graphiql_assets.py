"""GraphiQL's page loads its scripts and styles from this server, byte for byte the files
its integrity hashes name."""

from __future__ import annotations

import base64
import hashlib
import re


async def test_the_graphiql_page_loads_only_local_assets_with_valid_integrity(http):
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "unpkg.com" not in page.text

    assets = re.findall(r'(?:src|href)="(/graphiql-assets/[^"]+)"\s+integrity="(sha384-[^"]+)"', page.text)
    assert len(assets) >= 6  # react, react-dom, js-cookie, graphiql js+css, explorer js+css
    for path, integrity in assets:
        served = await http.get(path)
        assert served.status_code == 200, path
        digest = "sha384-" + base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert digest == integrity, path
