import { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_HIGH_WATER_MARK } from './http-high-water-mark';

/** What `expressServerOptions` reads from an Express application. */
export interface ExpressLikeApp {
  /** The prototype Express gives every request of this app (`app.request`). */
  request: object;
  /** The prototype Express gives every response of this app (`app.response`). */
  response: object;
}

/** The `http.createServer` / `https.createServer` options it returns. */
export interface ExpressServerOptions {
  IncomingMessage?: typeof IncomingMessage;
  ServerResponse?: typeof ServerResponse;
  /** 64 KiB, as `serve` uses (lib/http-high-water-mark.ts says why). */
  highWaterMark: number;
}

/**
 * Options for `http.createServer(options, app)` (or https) under which every
 * request and response is born with the prototype Express would give it.
 *
 * Express's `app.handle` calls `Object.setPrototypeOf(req, app.request)` and
 * the same for `res` on every request. V8 then builds new hidden classes for
 * both objects each time (no two requests share a map: measured with
 * `%HaveSameMap` on Node 20), so every property access on them in Node's
 * http code, Express and this middleware misses its inline caches (hello.php
 * through Express: 161 µs of Node's CPU a request, 91 µs with these
 * options; 68 µs on node:http without Express). When the object
 * already has that prototype, setPrototypeOf does nothing, and the maps stay
 * the same from one request to the next. The same change was proposed for
 * Express itself (expressjs/express#5998).
 *
 * The constructors call Node's own ones as functions (`IncomingMessage.call`),
 * as Node's http module is written; `Reflect.construct` with another
 * new.target was measured to make a new map per object again. If a later
 * Node makes them classes, the two are left out and Node's own serve.
 * `highWaterMark` is `serve`'s too: POST bodies then never pause the socket.
 */
export function expressServerOptions(app: ExpressLikeApp): ExpressServerOptions {
  return {
    ...optionsOver(app, IncomingMessage, ServerResponse),
    highWaterMark: HTTP_HIGH_WATER_MARK,
  };
}

type Constructor = abstract new (...args: never[]) => object;

/** The same over given base constructors; exported for the tests only. */
export function optionsOver<Q extends Constructor, S extends Constructor>(
  app: ExpressLikeApp,
  RequestBase: Q,
  ResponseBase: S,
): Partial<{ IncomingMessage: Q; ServerResponse: S }> {
  const { request, response } = (app ?? {}) as Partial<ExpressLikeApp>;
  if (!isObject(request) || !isObject(response)) {
    throw new TypeError(
      'expressServerOptions(app): app.request and app.response must be objects (an Express application)',
    );
  }
  if (!isPrototypeOf(RequestBase, request) || !isPrototypeOf(ResponseBase, response)) {
    throw new TypeError(
      'expressServerOptions(app): app.request and app.response must inherit from http.IncomingMessage and http.ServerResponse (an Express application)',
    );
  }
  if (isClass(RequestBase) || isClass(ResponseBase)) return {};

  const callRequest = RequestBase as unknown as (this: object, socket: unknown) => void;
  const Request = function (this: object, socket: unknown): void {
    callRequest.call(this, socket);
  };
  Request.prototype = request;

  const callResponse = ResponseBase as unknown as (this: object, req: unknown, o: unknown) => void;
  const Response = function (this: object, req: unknown, options: unknown): void {
    callResponse.call(this, req, options);
  };
  Response.prototype = response;

  return { IncomingMessage: Request as unknown as Q, ServerResponse: Response as unknown as S };
}

function isPrototypeOf(base: Constructor, value: object): boolean {
  return Object.prototype.isPrototypeOf.call(base.prototype, value);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class\b/.test(Function.prototype.toString.call(fn));
}
