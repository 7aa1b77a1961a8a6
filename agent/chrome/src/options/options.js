// The development fallback: a form over chrome.storage.local "devConfig". A managed (policy) configuration wins
// over it entirely, so on a school's device this page only shows the status.
const form = document.getElementById('settings');
const result = document.getElementById('result');

async function refresh() {
  const status = await chrome.runtime.sendMessage({ type: 'status' });
  document.getElementById('origin').textContent = status.origin === 'policy'
    ? 'Configured by your school\'s policy. These settings are read-only.'
    : 'No school policy is set: the settings below are used.';
  document.getElementById('fields').disabled = status.origin === 'policy';
  document.getElementById('status').textContent = JSON.stringify(status, null, 2);
  return status;
}

const { devConfig } = await chrome.storage.local.get('devConfig');
for (const [key, value] of Object.entries(devConfig ?? {})) {
  if (form.elements[key]) {
    form.elements[key].value = value;
  }
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  const config = {};
  for (const element of form.elements) {
    if (element.name && element.value.trim() !== '') {
      config[element.name] = element.value.trim();
    }
  }

  const answer = await chrome.runtime.sendMessage({ type: 'saveDevConfig', config });
  // The worker reloads on the storage change; give it a moment before showing the new status.
  setTimeout(async () => {
    const status = await refresh();
    result.textContent = !answer.ok ? `Not saved: ${answer.error}`
      : status.errors.length > 0 ? `Saved, but: ${status.errors.join('; ')}` : 'Saved.';
  }, 300);
});

document.getElementById('send-now').addEventListener('click', async () => {
  await chrome.runtime.sendMessage({ type: 'sendNow' });
  result.textContent = 'Sending.';
  setTimeout(refresh, 1000);
});

await refresh();
