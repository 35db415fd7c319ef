// Runs every audit of the graphql-http suite against a running server and prints
// the results as JSON (one object per audit). Usage: node audit.mjs <url> <bearer token>
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node audit.mjs <url> <bearer token>');
  process.exit(2);
}

const fetchWithToken = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn: fetchWithToken });
const shown = results.map((result) => ({
  id: result.id,
  name: result.name,
  status: result.status,
  reason: result.status === 'ok' ? null : result.reason,
}));
console.log(JSON.stringify(shown));
