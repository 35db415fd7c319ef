// A typed call of the canvas query: what a canvas frontend writes against the generated types.
// `npm run typecheck` compiles it, so a schema change that breaks the canvas breaks this file.
import type { CanvasQuery, CanvasQueryVariables } from "./operations";

export async function fetchCanvas(
  url: string,
  token: string,
  query: string,
  variables: CanvasQueryVariables,
): Promise<CanvasQuery> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: CanvasQuery; errors?: { message: string }[] };
  if (!body.data) throw new Error(body.errors?.map((e) => e.message).join("; ") ?? "no data");
  return body.data;
}

export function sentPerNode(canvas: CanvasQuery): Map<string, number> {
  const sent = new Map<string, number>();
  for (const node of canvas.journey?.nodes ?? []) {
    sent.set(node.id, node.performance.messageSent ?? 0);
  }
  return sent;
}
