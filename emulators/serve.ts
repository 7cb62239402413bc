/**
 * Serves stage functions in-process with `@google-cloud/functions-framework`, on one free
 * loopback port, so Pub/Sub emulator push subscriptions can call them.
 *
 * The framework marshals a raw Pub/Sub push body into a
 * `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent when the request path contains
 * `projects/<p>/topics/<t>` (it takes the CloudEvent `source` from that path). Several functions
 * share the port: the first path segment names the function and is stripped before the
 * framework's own server sees the request, so the push endpoint of function `f` for topic `t` is
 * `http://127.0.0.1:PORT/f/projects/<p>/topics/<t>` (see `pushEndpoint`).
 *
 * What the framework hands a CloudEvent function locally: `data.message` has `data` (base64),
 * `attributes`, `messageId` and `publishTime`; the push body's `deliveryAttempt`, `orderingKey`
 * and `subscription` are dropped. A function that throws (or rejects) answers 500 and the
 * emulator redelivers; returning answers 204 and acks.
 */
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A function to serve: a CloudEvent handler (stages) or an HTTP handler. */
export type ServedHandler =
  | { cloudEvent: functions.CloudEventFunction<unknown> }
  | { http: functions.HttpFunction };

/** Functions served on one port. */
export interface ServedFunctions {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Base URL of one function: `${url}/${name}`. */
  urlOf(name: string): string;
  /** The push endpoint that makes the framework deliver a proper Pub/Sub CloudEvent to `name`. */
  pushEndpoint(name: string, topic: { project: string; topic: string } | string): string;
  /** Stops listening and drops open keep-alive connections. */
  close(): Promise<void>;
}

/** One served function. */
export interface ServedFunction {
  /** Base URL of the function. */
  url: string;
  /** The push endpoint for a topic (`projects/P/topics/T` or `{project, topic}`). */
  pushEndpoint(topic: { project: string; topic: string } | string): string;
  close(): Promise<void>;
}

/**
 * Registers each handler with the framework under its name and serves them all on one free
 * loopback port. Names must be URL path segments (`[A-Za-z0-9_-]+`).
 */
export async function serveFunctions(handlers: Record<string, ServedHandler>): Promise<ServedFunctions> {
  for (const [name, handler] of Object.entries(handlers)) {
    if ('cloudEvent' in handler) functions.cloudEvent(name, handler.cloudEvent);
    else functions.http(name, handler.http);
  }
  return serveRegistered(Object.keys(handlers));
}

/**
 * Serves functions already registered with `functions.cloudEvent(name, …)` / `functions.http`
 * (e.g. by importing a `functions/<stage>/index.ts`) on one free loopback port.
 */
export async function serveRegistered(names: string[]): Promise<ServedFunctions> {
  const inner = new Map<string, Server>();
  for (const name of names) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`function name must be a URL path segment ([A-Za-z0-9_-]+); got ${JSON.stringify(name)}`);
    inner.set(name, getTestServer(name));
  }
  const outer = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const match = /^\/([^/?]+)(.*)$/.exec(url);
    const target = match ? inner.get(match[1]!) : undefined;
    if (!match || !target) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no function at ${url}; served: ${names.join(', ')}\n`);
      return;
    }
    const rest = match[2] ?? '';
    req.url = rest.startsWith('/') ? rest : `/${rest}`;
    target.emit('request', req, res);
  });
  await new Promise<void>((resolve, reject) => {
    outer.once('error', reject);
    outer.listen(0, '127.0.0.1', () => resolve());
  });
  const base = `http://127.0.0.1:${(outer.address() as AddressInfo).port}`;
  return {
    url: base,
    urlOf: (name) => `${base}/${name}`,
    pushEndpoint: (name, topic) => `${base}/${name}/${topicPath(topic)}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        outer.close((err) => (err ? reject(err) : resolve()));
        outer.closeAllConnections();
      }),
  };
}

/** Serves a single function; see `serveFunctions`. */
export async function serveFunction(name: string, handler: ServedHandler): Promise<ServedFunction> {
  const served = await serveFunctions({ [name]: handler });
  return {
    url: served.urlOf(name),
    pushEndpoint: (topic) => served.pushEndpoint(name, topic),
    close: served.close,
  };
}

function topicPath(topic: { project: string; topic: string } | string): string {
  if (typeof topic !== 'string') return `projects/${topic.project}/topics/${topic.topic}`;
  if (!/^projects\/[^/]+\/topics\/[^/]+$/.test(topic)) throw new Error(`topic must be projects/<p>/topics/<t>; got ${JSON.stringify(topic)}`);
  return topic;
}
