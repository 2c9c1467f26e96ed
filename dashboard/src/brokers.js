// The brokers the page may connect to, in order: `?broker=URL`, repeated or a
// comma list (as the programs' `--broker`), e.g. the WebSocket listeners of a
// broker cluster's nodes; without one, the broker that served the page.
export function brokerUrls({ search, protocol, host }) {
  const given = new URLSearchParams(search)
    .getAll('broker')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (given.length) return given;
  return [`${protocol === 'https:' ? 'wss' : 'ws'}://${host}/mqtt`];
}

// How the status line names a broker: host:port, and its place in the list
// when there are several ("127.0.0.1:15675, 2 of 3").
export function brokerLabel(urls, index) {
  let name = urls[index];
  try {
    name = new URL(name).host || name;
  } catch {
    /* shown as given */
  }
  return urls.length > 1 ? `${name}, ${index + 1} of ${urls.length}` : name;
}
