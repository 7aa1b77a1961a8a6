// Tells the pupil, in the school's own words, that monitoring is on and as whom.
const status = await chrome.runtime.sendMessage({ type: 'status' });
const headline = document.getElementById('headline');
headline.textContent = status.monitoring ? 'Monitoring is on' : 'Monitoring is not active';
document.getElementById('notice').textContent = status.acceptableUseText;
document.getElementById('login').textContent = status.login ?? 'no signed-in account';
document.getElementById('school').textContent = status.schoolId || 'not configured';
document.getElementById('queued').textContent = String(status.queued);
