{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p><a href="/me">Your account</a> › Notifications</p>
<h1>Your notification settings</h1>
{{#HAS_ERRORS}}<div class="alert" role="alert">
  <p>Nothing was saved. Some of what you entered needs fixing:</p>
  <ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
</div>{{/HAS_ERRORS}}
<form method="post" action="/me/notifications" novalidate>
  <input type="hidden" name="csrf" value="{{CSRF}}">
  <section class="card" aria-labelledby="prefs-title">
    <h2 id="prefs-title">What reaches you, and how</h2>
    <p class="help">E-mail goes to {{EMAIL}}; text messages to the phone number below. In-app notifications
       are counted in the header. Team channels (Slack, Teams) and webhooks are set by administrators.</p>
    <div class="table-wrap" tabindex="0">
    <table>
      <thead><tr><th scope="col">Event</th>{{#CHANNEL_HEAD}}<th scope="col">{{CHANNEL_LABEL}}</th>{{/CHANNEL_HEAD}}</tr></thead>
      <tbody>
      {{#EVENT}}
      <tr>
        <th scope="row">{{EVENT_LABEL}}</th>
        {{#CELL}}<td><input type="checkbox" id="{{CELL_NAME}}" name="{{CELL_NAME}}" value="on" aria-label="{{CELL_LABEL}}"{{#CELL_ON}} checked{{/CELL_ON}}></td>{{/CELL}}
      </tr>
      {{/EVENT}}
      </tbody>
    </table>
    </div>
  </section>
  <section class="card" aria-labelledby="phone-title">
    <h2 id="phone-title">Text messages and Slack</h2>
    <div class="field">
      <label for="phone">Phone number for text messages</label>
      <p class="help" id="phone-help">International form, like +15551234567. Leave empty for no text messages.</p>
      <input id="phone" name="phone" value="{{PHONE}}" maxlength="20" autocomplete="tel" inputmode="tel"
             aria-describedby="phone-help phone-error">
      <p class="error" id="phone-error">{{ERR_PHONE}}</p>
    </div>
    <p>Slack: {{#SLACK_LINKED}}linked to the Slack user <code>{{SLACK_ID}}</code>; you can approve and reject from
      Slack's buttons.{{/SLACK_LINKED}}{{#SLACK_UNLINKED}}<span class="muted">not linked. Ask an administrator to link
      your Slack account so that Slack's Approve and Reject buttons work for you.</span>{{/SLACK_UNLINKED}}</p>
  </section>
  <p class="actions"><button type="submit" class="primary">Save notification settings</button></p>
</form>
{{>FOOTER}}
