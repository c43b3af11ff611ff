/** The endpoint's routes from its OpenAPI document (GET /docs): method, path, what it answers and the role it needs. */
import { usePoll } from '../api.js';
import { Problem } from '../parts/problem.js';

interface OpenApiDocument {
  paths: Record<string, Record<string, { summary?: string; description?: string }>>;
}

export function ApiPage() {
  const { data, error } = usePoll<OpenApiDocument>('docs', 60_000);
  if (!data) return <Problem error={error} waiting="Reading the OpenAPI document…" />;
  return (
    <section>
      <h2>Routes</h2>
      <p class="note">
        The OpenAPI document is at <a href="docs">docs</a> (it needs a viewer token when the endpoint has tokens).
      </p>
      <table data-testid="routes">
        <thead>
          <tr><th>method</th><th>path</th><th>what</th><th>access</th></tr>
        </thead>
        <tbody>
          {Object.entries(data.paths).flatMap(([path, methods]) =>
            Object.entries(methods).map(([method, op]) => (
              <tr key={`${method} ${path}`}>
                <td>{method.toUpperCase()}</td><td><code>{path}</code></td><td>{op.summary ?? ''}</td><td>{op.description?.replace(/^.*Access: /, '') ?? ''}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}
