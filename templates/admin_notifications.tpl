{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
{{#LIST_MODE}}<p><a href="/admin">Administration</a> › Notifications</p>
<h1>Notifications</h1>{{/LIST_MODE}}
{{#EDIT_MODE}}<p><a href="/admin">Administration</a> › <a href="/admin/notifications">Notifications</a> › {{CHANNEL_NAME}}</p>
<h1>Channel {{CHANNEL_NAME}}</h1>{{/EDIT_MODE}}
{{#ALERT}}<p class="alert" role="alert">{{ALERT_TEXT}}</p>{{/ALERT}}
{{#LIST_MODE}}
<section class="card" id="channels" aria-labelledby="channels-title">
  <h2 id="channels-title">Channels</h2>
  <p class="help">Besides the in-app inbox, events go to these channels: e-mail and SMS to each person as their
    settings say; Slack and Teams to the channel of the team concerned (or of every team); webhooks receive
    every event as a signed CloudEvent. Channels come from this page and from the file
    <code>{{CONFIG_PATH}}</code>, applied whenever it changes.</p>
  {{#CONFIG_ERROR}}<p class="alert" role="alert">The configuration file was not fully applied: {{CONFIG_ERROR_TEXT}}</p>{{/CONFIG_ERROR}}
  {{#HAS_CHANNELS}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Team</th><th scope="col">Target</th>
      <th scope="col">Status</th><th scope="col" class="hide-sm">From</th><th scope="col"><span class="muted">Actions</span></th></tr></thead>
    <tbody>
    {{#CHANNEL}}
    <tr id="channel-{{C_ID}}">
      <td><a href="/admin/notifications/channels/{{C_ID}}">{{C_NAME}}</a></td>
      <td>{{C_TYPE}}{{#C_KEPTN}} + Keptn{{/C_KEPTN}}</td>
      <td>{{C_TEAM}}</td>
      <td class="mono">{{C_TARGET}}</td>
      <td>{{#C_ENABLED}}<span class="badge s-completed">Enabled</span>{{/C_ENABLED}}{{#C_DISABLED}}<span class="badge s-aborted">Disabled</span>{{/C_DISABLED}}</td>
      <td class="hide-sm">{{C_SOURCE}}</td>
      <td class="nowrap">
        <form method="post" action="/admin/notifications/channels/{{C_ID}}/test" class="inline">
          <input type="hidden" name="csrf" value="{{CSRF}}">
          <button type="submit">Send test</button>
        </form>
        <form method="post" action="/admin/notifications/channels/{{C_ID}}/delete" class="inline">
          <input type="hidden" name="csrf" value="{{CSRF}}">
          <button type="submit" class="danger" data-confirm="Remove the channel {{C_NAME}}? Messages still queued on it will fail.">Delete</button>
        </form>
      </td>
    </tr>
    {{/CHANNEL}}
    </tbody>
  </table>
  </div>
  {{/HAS_CHANNELS}}
  {{#NO_CHANNELS}}<p class="empty">No channels yet: only in-app notifications are sent. Add one below.</p>{{/NO_CHANNELS}}
</section>

<section class="card" id="outbox" aria-labelledby="outbox-title">
  <h2 id="outbox-title">Outbox</h2>
  <p class="help">Each message is delivered by the job runner, at least once, with the same idempotency key on every
    attempt. Failed attempts are retried with exponential backoff; after the last attempt the message is failed.</p>
  <dl class="facts">
    <dt>Pending</dt><dd id="outbox-pending">{{N_PENDING}}</dd>
    <dt>Sent</dt><dd id="outbox-sent">{{N_SENT}}</dd>
    <dt>Failed</dt><dd id="outbox-failed">{{N_FAILED}}</dd>
  </dl>
  <h3>Failed</h3>
  {{#HAS_FAILED}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">#</th><th scope="col">Channel</th><th scope="col">Recipient</th><th scope="col">Event</th>
      <th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">Queued</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>
    {{#FAILED}}
    <tr id="outbox-{{O_ID}}">
      <td>{{O_ID}}</td><td>{{O_CHANNEL}}</td><td class="mono">{{O_RECIPIENT}}</td>
      <td>{{O_EVENT}}{{#O_ACTIVITY}} (<a href="/activities/{{O_ACTIVITY_ID}}">activity</a>){{/O_ACTIVITY}}</td>
      <td>{{O_ATTEMPTS}}</td><td class="error-text">{{O_ERROR}}</td><td>{{O_CREATED}}</td>
      <td>
        <form method="post" action="/admin/notifications/outbox/{{O_ID}}/retry" class="inline">
          <input type="hidden" name="csrf" value="{{CSRF}}">
          <button type="submit">Retry</button>
        </form>
      </td>
    </tr>
    {{/FAILED}}
    </tbody>
  </table>
  </div>
  {{/HAS_FAILED}}
  {{#NO_FAILED}}<p class="empty">Nothing has failed.</p>{{/NO_FAILED}}
  <h3>Recent</h3>
  {{#HAS_RECENT}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">#</th><th scope="col">Channel</th><th scope="col">Recipient</th><th scope="col">Event</th>
      <th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">Queued</th></tr></thead>
    <tbody>
    {{#RECENT}}
    <tr id="outbox-{{O_ID}}">
      <td>{{O_ID}}</td><td>{{O_CHANNEL}}</td><td class="mono">{{O_RECIPIENT}}</td>
      <td>{{O_EVENT}}{{#O_ACTIVITY}} (<a href="/activities/{{O_ACTIVITY_ID}}">activity</a>){{/O_ACTIVITY}}</td>
      <td>{{#O_SENT}}<span class="badge s-completed">Sent</span>{{/O_SENT}}{{#O_PENDING}}<span class="badge s-pending">Pending</span> <span class="muted small">next {{O_NEXT}}</span>{{/O_PENDING}}</td>
      <td>{{O_ATTEMPTS}}</td><td>{{O_ERROR}}</td><td>{{O_CREATED}}</td>
    </tr>
    {{/RECENT}}
    </tbody>
  </table>
  </div>
  {{/HAS_RECENT}}
  {{#NO_RECENT}}<p class="empty">Nothing was queued yet.</p>{{/NO_RECENT}}
</section>

<section class="card" id="identities" aria-labelledby="identities-title">
  <h2 id="identities-title">Slack users and phone numbers</h2>
  <p class="help">A Slack user may press Approve or Reject only when linked to a Holdpoint user here (or with
    <code>holdpoint user link NAME --slack U0123ABCD</code>); the same approver rules apply as in the browser.</p>
  {{#HAS_IDENTITIES}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">User</th><th scope="col">Kind</th><th scope="col">Id</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>
    {{#IDENTITY}}
    <tr>
      <td>{{I_NAME}} <span class="muted">({{I_USERNAME}})</span></td><td>{{I_LABEL}}</td><td class="mono">{{I_EXTERNAL}}</td>
      <td>
        <form method="post" action="/admin/notifications/identities" class="inline">
          <input type="hidden" name="csrf" value="{{CSRF}}">
          <input type="hidden" name="username" value="{{I_USERNAME}}">
          <input type="hidden" name="provider" value="{{I_PROVIDER}}">
          <input type="hidden" name="external_id" value="">
          <button type="submit" class="link" data-confirm="Unlink {{I_EXTERNAL}} from {{I_USERNAME}}?">Unlink</button>
        </form>
      </td>
    </tr>
    {{/IDENTITY}}
    </tbody>
  </table>
  </div>
  {{/HAS_IDENTITIES}}
  {{#NO_IDENTITIES}}<p class="empty">Nobody is linked yet.</p>{{/NO_IDENTITIES}}
  <form method="post" action="/admin/notifications/identities" class="filters" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="ident-username">Username</label>
      <input id="ident-username" name="username" value="{{IDENT_USER}}" maxlength="64" autocomplete="off" required>
    </div>
    <div class="field">
      <label for="ident-provider">Kind</label>
      <select id="ident-provider" name="provider"><option value="slack">Slack user id</option><option value="sms">Phone number (SMS)</option></select>
    </div>
    <div class="field">
      <label for="ident">Id</label>
      <input id="ident" name="external_id" value="{{IDENT_VALUE}}" maxlength="64" autocomplete="off"
             aria-describedby="ident-error">
      <p class="error" id="ident-error">{{ERR_IDENT}}</p>
    </div>
    <button type="submit">Link</button>
  </form>
</section>
{{/LIST_MODE}}

{{#FORM}}
<section class="card" id="channel-form" aria-labelledby="channel-form-title">
  <h2 id="channel-form-title">{{FORM_TITLE}}</h2>
  {{#HAS_ERRORS}}<div class="alert" role="alert">
    <p>The channel was not saved. Some of what you entered needs fixing:</p>
    <ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
  </div>{{/HAS_ERRORS}}
  <form method="post" action="{{FORM_ACTION}}" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="name">Name</label>
      <input id="name" name="name" value="{{F_NAME}}" maxlength="64" required aria-describedby="name-error">
      <p class="error" id="name-error">{{ERR_NAME}}</p>
    </div>
    <div class="field">
      <label for="type">Type</label>
      <select id="type" name="type" aria-describedby="type-error">
        {{#TYPE_OPTION}}<option value="{{TYPE_VALUE}}"{{#TYPE_SELECTED}} selected{{/TYPE_SELECTED}}>{{TYPE_LABEL}}</option>{{/TYPE_OPTION}}
      </select>
      <p class="error" id="type-error">{{ERR_TYPE}}</p>
    </div>
    <div class="field">
      <label for="url">URL</label>
      <p class="help" id="url-help">E-mail: <code>smtp://host:587</code> or <code>smtps://host:465</code>. Slack, Teams,
        SMS gateway, webhook: <code>https://…</code>, or <code>file:DIR</code> to write each message under the data directory.</p>
      <input id="url" name="url" value="{{F_URL}}" maxlength="2048" autocomplete="off" aria-describedby="url-help url-error">
      <p class="error" id="url-error">{{ERR_URL}}</p>
    </div>
    <div class="field">
      <label for="team">Team (Slack and Teams)</label>
      <p class="help" id="team-help">The team whose activities this channel announces; empty for every team.</p>
      <input id="team" name="team" value="{{F_TEAM}}" maxlength="64" aria-describedby="team-help team-error">
      <p class="error" id="team-error">{{ERR_TEAM}}</p>
    </div>
    <fieldset class="field">
      <legend>E-mail</legend>
      <label for="from">From address</label>
      <input id="from" name="from" value="{{F_FROM}}" maxlength="254" aria-describedby="from-error">
      <p class="error" id="from-error">{{ERR_FROM}}</p>
      <label for="starttls">STARTTLS</label>
      <select id="starttls" name="starttls">{{#TLS_OPTION}}<option value="{{TLS_VALUE}}"{{#TLS_SELECTED}} selected{{/TLS_SELECTED}}>{{TLS_VALUE}}</option>{{/TLS_OPTION}}</select>
      <label for="username">SMTP user name</label>
      <input id="username" name="username" value="{{F_USERNAME}}" maxlength="254" autocomplete="off">
      <label for="password">SMTP password</label>
      <input id="password" name="password" type="password" maxlength="1024" autocomplete="new-password" aria-describedby="password-help">
      <p class="help" id="password-help">{{#F_HAS_PASSWORD}}A password is stored; leave empty to keep it.{{/F_HAS_PASSWORD}}</p>
      <label for="dir">Directory (e-mail to files)</label>
      <input id="dir" name="dir" value="{{F_DIR}}" maxlength="128" placeholder="mail" aria-describedby="dir-error">
      <p class="error" id="dir-error">{{ERR_DIR}}</p>
    </fieldset>
    <fieldset class="field">
      <legend>Slack, webhooks and SMS</legend>
      <label for="secret">Secret (Slack: the app's signing secret; webhook: the HMAC key of X-Holdpoint-Signature)</label>
      <input id="secret" name="secret" type="password" maxlength="1024" autocomplete="new-password" aria-describedby="secret-help">
      <p class="help" id="secret-help">{{#F_HAS_SECRET}}A secret is stored; leave empty to keep it.{{/F_HAS_SECRET}}</p>
      <div class="check"><input type="checkbox" id="keptn" name="keptn" value="on"{{#F_KEPTN}} checked{{/F_KEPTN}}>
        <label for="keptn">Webhook: also send Keptn <code>sh.keptn.event.approval.triggered</code> / <code>.finished</code></label></div>
      <label for="events">Only these events (empty: all)</label>
      <input id="events" name="events" value="{{F_EVENTS}}" maxlength="1000" placeholder="waiting, approved, rejected" aria-describedby="events-error">
      <p class="error" id="events-error">{{ERR_EVENTS}}</p>
      <label for="auth_header">SMS gateway: auth header</label>
      <input id="auth_header" name="auth_header" type="password" maxlength="2048" autocomplete="off" placeholder="Authorization: Bearer …" aria-describedby="auth_header-help auth_header-error">
      <p class="help" id="auth_header-help">{{#F_HAS_AUTH}}A header is stored; leave empty to keep it.{{/F_HAS_AUTH}}</p>
      <p class="error" id="auth_header-error">{{ERR_AUTH_HEADER}}</p>
      <label for="body_template">SMS gateway: body template</label>
      <textarea id="body_template" name="body_template" rows="3" maxlength="4000" aria-describedby="body_template-help">{{F_BODY_TEMPLATE}}</textarea>
      <p class="help" id="body_template-help">Placeholders: <code>{{PLACEHOLDERS}}</code>.
        Default: a JSON object with to, text and idempotency_key.</p>
      <label for="content_type">SMS gateway: content type</label>
      <input id="content_type" name="content_type" value="{{F_CONTENT_TYPE}}" maxlength="200" placeholder="application/json">
    </fieldset>
    <div class="check"><input type="checkbox" id="enabled" name="enabled" value="on"{{#F_ENABLED}} checked{{/F_ENABLED}}>
      <label for="enabled">Enabled</label></div>
    <p class="actions"><button type="submit" class="primary">{{FORM_BUTTON}}</button></p>
  </form>
</section>
{{/FORM}}
{{>FOOTER}}
