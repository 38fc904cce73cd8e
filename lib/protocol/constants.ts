/**
 * FastCGI 1.0 wire constants (FastCGI Specification 1.0, Open Market, 1996).
 *
 * Plain `as const` objects rather than `const enum`: with isolatedModules
 * (tsconfig.json; ts-jest transpiles the tests file by file) a `const enum`
 * declared in another file cannot be inlined.
 */

export const FCGI_VERSION_1 = 1;
/** Every record starts with an 8-byte header. */
export const FCGI_HEADER_LEN = 8;
/** contentLength is a uint16. */
export const FCGI_MAX_CONTENT_LENGTH = 65535;
/** Management records (GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE) use request id 0. */
export const FCGI_NULL_REQUEST_ID = 0;
/** BEGIN_REQUEST flag: the application keeps the connection open after the request. */
export const FCGI_KEEP_CONN = 1;

/**
 * Content bytes per record when the encoders split a payload: the largest
 * multiple of 8 that fits in a uint16. Full records then need no padding, so
 * a large body costs two iovecs per record instead of three, and the padding
 * falls on the last record only. Well inside the spec's 65535.
 */
export const FCGI_SPLIT_CONTENT_LENGTH = 65528;

export const RecordType = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
} as const;
export type RecordTypeValue = (typeof RecordType)[keyof typeof RecordType];

/** The highest record type FastCGI 1.0 defines; higher values get an UNKNOWN_TYPE answer. */
export const FCGI_MAXTYPE = RecordType.UNKNOWN_TYPE;

export const Role = {
  RESPONDER: 1,
  AUTHORIZER: 2,
  FILTER: 3,
} as const;
export type RoleValue = (typeof Role)[keyof typeof Role];

export const ProtocolStatus = {
  REQUEST_COMPLETE: 0,
  CANT_MPX_CONN: 1,
  OVERLOADED: 2,
  UNKNOWN_ROLE: 3,
} as const;
export type ProtocolStatusValue = (typeof ProtocolStatus)[keyof typeof ProtocolStatus];

/** Management variable names, asked for with GET_VALUES. */
export const FCGI_MAX_CONNS = 'FCGI_MAX_CONNS';
export const FCGI_MAX_REQS = 'FCGI_MAX_REQS';
export const FCGI_MPXS_CONNS = 'FCGI_MPXS_CONNS';
