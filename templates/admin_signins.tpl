{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p><a href="/admin">Administration</a> › Sign-in attempts</p>
<h1>Failed sign-ins</h1>
<p class="help">Failed sign-ins of the last 24 hours, by name and address, newest first.
After {{MAX}} failures within 15 minutes, a name is slowed down from that address (30 seconds,
then twice as long each time, at most 15 minutes); an address that tries many names that are not
accounts gets in only with a right password; a browser in which the person signed in before is
never slowed down by others' failures. Nobody is locked out by someone else's guesses.</p>
{{#HAS_ROWS}}
<div class="table-wrap" tabindex="0">
<table>
  <thead><tr><th scope="col">Username</th><th scope="col">Address</th><th scope="col">Account</th>
    <th scope="col">Failures (24 h)</th><th scope="col">Last 15 min</th><th scope="col">Last failure</th>
    <th scope="col">Now</th></tr></thead>
  <tbody>
  {{#ROW}}
  <tr>
    <td>{{#ROW_USER_ID}}<a href="/admin/users/{{ROW_USER_ID}}">{{ROW_USERNAME}}</a>{{/ROW_USER_ID}}{{#ROW_NO_USER}}{{ROW_USERNAME}}{{/ROW_NO_USER}}</td>
    <td><code>{{ROW_IP}}</code></td>
    <td>{{#ROW_KNOWN}}Yes{{/ROW_KNOWN}}{{#ROW_UNKNOWN}}<span class="muted">No such account</span>{{/ROW_UNKNOWN}}</td>
    <td>{{ROW_COUNT}}</td>
    <td>{{ROW_RECENT}}</td>
    <td>{{ROW_LAST}}</td>
    <td>{{#ROW_WAITING}}<span class="badge s-warning">Slowed down until {{ROW_UNTIL}}</span>{{/ROW_WAITING}}{{#ROW_FREE}}<span class="muted">May try</span>{{/ROW_FREE}}</td>
  </tr>
  {{/ROW}}
  </tbody>
</table>
</div>
{{#MORE}}<p class="muted">Showing the 200 most recent names and addresses.</p>{{/MORE}}
{{/HAS_ROWS}}
{{#NO_ROWS}}<p class="empty">No failed sign-ins in the last 24 hours.</p>{{/NO_ROWS}}
{{>FOOTER}}
