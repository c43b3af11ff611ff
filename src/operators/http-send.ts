/**
 * One HTTP request of the async step's built-in client, on node:http / node:https with a keep-alive agent per
 * client (its connections are reused by the next calls). Not fetch: on 2 shared cores fetch (Node 20's bundled
 * undici) took 1.6-1.8 ms of CPU per call where node:http took 0.45-0.55 ms, 100 calls in flight against a local
 * service (bench/RESULTS.md, "Async step").
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface HttpSender {
  send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<HttpAnswer>;
}

export function httpSender(): HttpSender {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return {
    send: (url, method, headers, body, signal) =>
      new Promise<HttpAnswer>((resolve, reject) => {
        const secure = url.protocol === 'https:';
        const options = {
          method,
          headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          signal,
          agent: secure ? agents.https : agents.http,
        };
        const req = (secure ? httpsRequest : httpRequest)(url, options, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
          res.on('aborted', () => reject(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' })));
        });
        req.on('error', reject);
        req.end(body);
      }),
  };
}
