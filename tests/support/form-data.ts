/** FormData from [name, value] pairs; repeats and file parts are allowed on purpose. */
export function formData(entries: Record<string, string> | [string, string | Blob][]): FormData {
  const form = new FormData();
  for (const [key, value] of Array.isArray(entries) ? entries : Object.entries(entries)) form.append(key, value);
  return form;
}
