/** The pure FastCGI 1.0 codec: no sockets, no clocks. */

export {
  FCGI_VERSION_1,
  FCGI_HEADER_LEN,
  FCGI_MAX_CONTENT_LENGTH,
  FCGI_SPLIT_CONTENT_LENGTH,
  FCGI_NULL_REQUEST_ID,
  FCGI_KEEP_CONN,
  FCGI_MAXTYPE,
  FCGI_MAX_CONNS,
  FCGI_MAX_REQS,
  FCGI_MPXS_CONNS,
  RecordType,
  Role,
  ProtocolStatus,
} from './constants';
export type { RecordTypeValue, RoleValue, ProtocolStatusValue } from './constants';

export { encodeNameValuePairs, decodeNameValuePairs, decodeNameValueMap } from './name-value';
export type { NameValue } from './name-value';

export {
  encodeRecord,
  encodeStreamRecords,
  encodeStreamEnd,
  encodeBeginRequest,
  encodeAbortRequest,
  encodeEndRequest,
  encodeParams,
  encodeGetValues,
  encodeGetValuesResult,
  encodeUnknownType,
  decodeBeginRequestBody,
  decodeEndRequestBody,
  decodeUnknownTypeBody,
} from './records';

export { RecordReader } from './record-reader';
export type { FastCgiRecord } from './record-reader';
