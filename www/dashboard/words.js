// Names of the API in words a reviewer reads.

const MODALITY = { keys: 'typing', 'pointer:mouse': 'mouse', 'pointer:touch': 'touch', 'pointer:pen': 'pen' };

/** A modality: "keys" -> "typing", "pointer:mouse" -> "mouse", "fixed:employee_id" ->
 * "entries of employee id". */
export function modality(m) {
  if (MODALITY[m]) return MODALITY[m];
  if (m?.startsWith('fixed:')) return `entries of ${m.slice(6).replaceAll('_', ' ')}`;
  if (m?.startsWith('pointer:')) return m.slice(8);
  return m ?? '—';
}
