// Dates and times as the user's language writes them. Building an Intl formatter costs far
// more than using one (a list of 100 rows with three date columns built 300 per render, a
// long task: bench/README.md), so each language and set of options gets one, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

export function dateTimeFormat(
  language: string,
  options: Intl.DateTimeFormatOptions = {},
): Intl.DateTimeFormat {
  const key = `${language}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(language, options);
    formatters.set(key, found);
  }
  return found;
}
