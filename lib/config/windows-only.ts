/**
 * What an IIS import carries over that only means something on Windows, and
 * what to use on Linux instead. The values themselves are kept (the config
 * says what IIS ran); each warning names the attribute and its line.
 *
 * - WinCache is a Windows-only extension
 *   (https://www.php.net/manual/en/book.wincache.php): OPcache
 *   (https://www.php.net/manual/en/book.opcache.php) caches opcodes, APCu
 *   (https://www.php.net/manual/en/book.apcu.php) user data.
 * - `extension=*.dll` names Windows DLLs; Linux php-cgi logs a start-up
 *   warning per process for each.
 * - PHPRC / `-c` select the php.ini (https://www.php.net/manual/en/configuration.file.php):
 *   the Windows one, whose DLLs and paths did not come along.
 * - A relative monitorChangesTo is resolved against the executable's folder
 *   (IIS 6 FastCGI extension documentation); on Linux that is /usr/bin,
 *   where no php.ini lives: php-cgi reads /etc/php/<version>/cgi/php.ini.
 */
import * as path from 'node:path';
import { warningAt } from './import-draft';
import type { ImportWarning } from './import-warnings';
import { resolveMonitoredFile } from './monitored-file';
import type { Where } from './source-locations';

const PHP_INI_HINT =
  'php-cgi --ini shows the php.ini it reads (Debian/Ubuntu: /etc/php/<version>/cgi/php.ini)';

export function windowsOnlyWarnings(
  config: Record<string, unknown>,
  locate: (pointer: string) => Where | undefined,
): ImportWarning[] {
  const warnings: ImportWarning[] = [];
  const fastCgi = config.fastCgi as { application?: unknown } | undefined;
  const applications = Array.isArray(fastCgi?.application)
    ? (fastCgi.application as Record<string, unknown>[])
    : [];
  applications.forEach((app, i) => {
    if (typeof app !== 'object' || app === null) return;
    const pointer = `/fastCgi/application/${i}`;
    const at = (attribute: string): Where | undefined =>
      locate(`${pointer}/${attribute}`) ?? locate(pointer);
    const note = (attribute: string, message: string): void =>
      void warnings.push(warningAt('WINDOWS_ONLY', message, at(attribute)));
    const fullPath = typeof app.fullPath === 'string' ? app.fullPath : '';
    const args = typeof app.arguments === 'string' ? app.arguments : '';

    const variables = Array.isArray(app.environmentVariables)
      ? (app.environmentVariables as { name?: unknown; value?: unknown }[])
      : [];
    const texts: { attribute: string; text: string }[] = [{ attribute: 'arguments', text: args }];
    variables.forEach((v, j) => {
      if (typeof v?.value === 'string')
        texts.push({
          attribute: `environmentVariables/${j}/value`,
          text: `${String(v.name)}=${v.value}`,
        });
    });

    for (const { attribute, text } of texts) {
      if (/wincache/i.test(text)) {
        note(
          attribute,
          `WinCache ` +
            `(${/php_wincache\.dll/i.test(text) ? 'php_wincache.dll' : 'wincache.* settings'}) ` +
            `exists only on Windows: remove it; use OPcache for the opcode cache ` +
            `(opcache.enable=1; part of Debian's php-cgi) and APCu for the user cache (apt ` +
            `install php-apcu; wincache_ucache_* calls become apcu_*); ` +
            `session.save_handler=wincache becomes files or redis`,
        );
      }
      for (const match of text.matchAll(/extension\s*=\s*"?([^\s"]+\.dll)/gi)) {
        if (/wincache/i.test(match[1])) continue;
        const name = match[1].replace(/^php_/i, '').replace(/\.dll$/i, '');
        note(
          attribute,
          `extension=${match[1]} is a Windows DLL that php-cgi on Linux cannot load (a ` +
            `warning at every process start): remove it and install the distribution's ` +
            `package instead (Debian/Ubuntu: apt install php-${name.toLowerCase()}), which ` +
            `enables ${name}.so in its own ini`,
        );
      }
    }

    const iniFile = /(?:^|\s)-c\s*("([^"]+)"|(\S+))/.exec(args);
    if (iniFile) {
      note(
        'arguments',
        `-c ${iniFile[2] ?? iniFile[3]} points php-cgi at the php.ini from Windows (if ` +
          `it was copied at all): its settings did not come along by this migration ` +
          `(extension=*.dll lines, Windows paths in include_path, session.save_path, ` +
          `upload_tmp_dir, error_log); drop -c to use the distribution's php.ini and carry ` +
          `the settings you need over by hand (${PHP_INI_HINT})`,
      );
    }
    variables.forEach((v, j) => {
      const name = typeof v?.name === 'string' ? v.name.toUpperCase() : '';
      if (name !== 'PHPRC' && name !== 'PHP_INI_SCAN_DIR') return;
      note(
        `environmentVariables/${j}/value`,
        `${name}=${String(v.value)} selects ` +
          `${name === 'PHPRC' ? 'the php.ini of the Windows install: its' : 'the extra .ini files of the Windows install: their'} ` +
          `settings did not come along by this migration (extension=*.dll lines, Windows ` +
          `paths); remove ${name} to use the distribution's configuration, or point it at ` +
          `a php.ini written for Linux (${PHP_INI_HINT})`,
      );
    });

    const monitored = typeof app.monitorChangesTo === 'string' ? app.monitorChangesTo : '';
    if (monitored !== '' && fullPath !== '') {
      const resolved = resolveMonitoredFile(monitored, fullPath);
      const nextToExecutable = path.dirname(resolved) === path.dirname(fullPath);
      if (!path.isAbsolute(monitored)) {
        note(
          'monitorChangesTo',
          `monitorChangesTo "${monitored}" is relative: it is resolved against the ` +
            `executable's folder, here ${resolved}, where Linux php-cgi reads no php.ini; ` +
            `set it to the php.ini php-cgi reads (${PHP_INI_HINT})`,
        );
      } else if (nextToExecutable && /\.ini$/i.test(resolved)) {
        note(
          'monitorChangesTo',
          `monitorChangesTo ${resolved} is next to the executable, where php.ini lives on Windows but Linux php-cgi reads none; set it to the php.ini php-cgi reads (${PHP_INI_HINT})`,
        );
      }
    }
  });
  return warnings;
}
