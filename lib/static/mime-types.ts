import type { ResolvedConfig } from '../config/types';
import { extensionOf } from '../routing/request-filter';

/**
 * The extensions `serve` sends as files, with their types: a subset of IIS's
 * `<staticContent>` list (common web types). IIS's StaticFile handler sends
 * only extensions listed there; any other file is 404.3
 * (https://learn.microsoft.com/en-us/iis/configuration/system.webserver/staticcontent/mimemap).
 * Deny by default: a file whose type is unknown (source, backups, configs)
 * is never sent.
 */
const BUILT_IN: Record<string, string> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
  '.xml': 'text/xml',
  '.xsl': 'text/xml',
  '.rss': 'application/rss+xml',
  '.atom': 'application/atom+xml',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.jpe': 'image/jpeg',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.ico': 'image/x-icon',
  '.svg': 'image/svg+xml',
  '.svgz': 'image/svg+xml',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.eot': 'application/vnd.ms-fontobject',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.wav': 'audio/wav',
  '.oga': 'audio/ogg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.flac': 'audio/flac',
  '.weba': 'audio/webm',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.ogv': 'video/ogg',
  '.mov': 'video/quicktime',
  '.vtt': 'text/vtt',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.7z': 'application/x-7z-compressed',
  '.rtf': 'application/rtf',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.epub': 'application/epub+zip',
};

/**
 * PHP's source extensions. They count as scripts whatever the handlers say,
 * because a wildcard mapping (`path: "*"`, what an fcgiext.ini `*` entry
 * imports to) runs them without naming them, and a `.inc` is PHP source that
 * no handler runs. None of them is ever handed on to a static handler.
 */
export const PHP_SOURCE: ReadonlySet<string> = new Set([
  '.php',
  '.php3',
  '.php4',
  '.php5',
  '.php7',
  '.php8',
  '.phtml',
  '.pht',
  '.phps',
  '.phar',
  '.inc',
]);

/**
 * Extensions that hold source code or secrets. No mimeMap entry may give
 * them a type (validation refuses it), so `serve` never sends such a file
 * whatever the config: PHP and other script sources, include files,
 * backups and editor leftovers, configuration, databases, logs, shells.
 */
export const NEVER_STATIC: ReadonlySet<string> = new Set([
  ...PHP_SOURCE,
  '.bak',
  '.old',
  '.orig',
  '.save',
  '.swp',
  '.swo',
  '.tmp',
  '.config',
  '.ini',
  '.conf',
  '.cfg',
  '.env',
  '.yml',
  '.yaml',
  '.toml',
  '.htaccess',
  '.htpasswd',
  '.sql',
  '.sqlite',
  '.db',
  '.mdb',
  '.log',
  '.sh',
  '.bash',
  '.py',
  '.pl',
  '.cgi',
  '.rb',
  '.asp',
  '.aspx',
  '.asa',
  '.asax',
  '.ascx',
  '.cs',
  '.vb',
  '.java',
  '.key',
  '.pem',
]);

/** The built-in type of an extension (".png"), if any. */
export function builtInType(ext: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(BUILT_IN, ext) ? BUILT_IN[ext] : undefined;
}

/** The types serve may send: built-in ∪ mimeMap (a mimeMap entry wins). */
export class MimeTypes {
  private readonly types = new Map<string, string>();

  constructor(mimeMap: ResolvedConfig['mimeMap']) {
    for (const [ext, type] of Object.entries(BUILT_IN)) this.types.set(ext, type);
    for (const { fileExtension, mimeType } of mimeMap) {
      const ext = fileExtension.toLowerCase();
      // Validation refuses these; kept here so that no path around it can lift the floor.
      if (!NEVER_STATIC.has(ext)) this.types.set(ext, mimeType);
    }
  }

  /** The Content-Type for a file name, or undefined when it must not be sent (IIS 404.3). */
  lookup(name: string): string | undefined {
    const ext = extensionOf(name);
    if (ext === '' || NEVER_STATIC.has(ext)) return undefined;
    return this.types.get(ext);
  }
}

/** Text types are sent with a charset (IIS sends none; browsers then guess, which XSS likes). */
export function contentType(type: string): string {
  if (type.includes(';')) return type;
  return /^text\/|\+xml$|^application\/(json|javascript|manifest\+json)$/.test(type)
    ? `${type}; charset=utf-8`
    : type;
}
