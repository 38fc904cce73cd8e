/**
 * What an import could not carry over. A warning never stops the import: it
 * says which IIS setting has no meaning here and what the import did
 * instead, so that nothing is dropped silently. Match on `code`.
 */

export type ImportWarningCode =
  /** A section, element or attribute that has no equivalent here; not imported. */
  | 'IGNORED_SETTING'
  /** A <location>, application or virtual directory outside the imported one. */
  | 'OTHER_LOCATION'
  /** A handler's preCondition, evaluated once at import against the site's application pool. */
  | 'PRECONDITION'
  /** A handler IIS shows as disabled because <handlers accessPolicy> lacks its requireAccess. */
  | 'ACCESS_POLICY'
  /** Entries left out because they change nothing here (unused applications, trailing non-FastCGI handlers). */
  | 'LEFT_OUT'
  /** Something the source file does not say, filled in with a stated assumption. */
  | 'ASSUMED'
  /** A <remove> that names nothing. */
  | 'NOTHING_TO_REMOVE'
  /** The imported config sends nothing to FastCGI. */
  | 'NO_FASTCGI_MAPPING'
  /** A file the import would read (the site's web.config) is not there. */
  | 'NOT_READ'
  /** Carried over, but only meaningful on Windows (WinCache, a Windows php.ini, DLL extensions): what to use instead. */
  | 'WINDOWS_ONLY'
  /** A FastCGI handler part that no request can match (a lower-case verb, path ".php"). */
  | 'NEVER_MATCHES';

export interface ImportWarning {
  code: ImportWarningCode;
  /** What was found, and what the import did instead. */
  message: string;
  /** Source file the setting is in. */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
}

/** One line of CLI output: `file:line: message`. */
export function formatWarning(warning: ImportWarning): string {
  const where = warning.file ? `${warning.file}${warning.line ? `:${warning.line}` : ''}: ` : '';
  return `${where}${warning.message}`;
}
