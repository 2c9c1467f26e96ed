// Firmware upload from the browser over the manager's request topics (issue 19
// items 1 and 2): the same ops as `fleetcast firmware add` (topics.md
// firmware_upload_begin / _piece / _commit): the image's SHA-256 and metadata
// first (the manager answers how much it already holds, so a broken upload
// resumes), then pieces of 256 KiB with their own SHA-256, then the commit.
export const PIECE_BYTES = 256 * 1024;

async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// The upload id of common/operator_upload.cpp upload_id(): the same file and metadata resume the same upload.
export async function uploadId(imageSha, { model, component, version }) {
  const key = `${imageSha}\n${model}\n${component}\n${version}\n0\n0`;
  return `u-${(await sha256Hex(new TextEncoder().encode(key))).slice(0, 24)}`;
}

// file: a File (or Blob); meta: {model, component, version}; onProgress(sent, size).
// Resolves like Link.request: {ok, data (the manifest), error}.
export async function uploadFirmware(link, file, meta, onProgress = () => {}) {
  const image = new Uint8Array(await file.arrayBuffer());
  const sha256 = await sha256Hex(image);
  const upload = await uploadId(sha256, meta);
  const begun = await link.request('firmware_upload_begin', { upload, size: image.length, sha256, ...meta });
  if (!begun.ok) return begun;
  let offset = begun.data.received || 0;
  onProgress(offset, image.length);
  while (offset < image.length) {
    const piece = image.subarray(offset, Math.min(image.length, offset + PIECE_BYTES));
    const r = await link.request('firmware_upload_piece', { upload, offset, data: base64(piece), sha256: await sha256Hex(piece) });
    if (!r.ok) return r;
    offset = r.data.received;
    onProgress(offset, image.length);
  }
  return link.request('firmware_upload_commit', { upload });
}
