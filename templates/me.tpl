{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Your account</h1>
{{#HAS_ERRORS}}<div class="alert" role="alert">
  <p>Some of what you entered needs fixing:</p>
  <ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
</div>{{/HAS_ERRORS}}
{{#NEW_TOKEN}}
<section class="card notice" id="new-token" aria-labelledby="new-token-title">
  <h2 id="new-token-title">Your new API token “{{NEW_TOKEN_LABEL}}”</h2>
  <p><strong>Copy it now: it will not be shown again.</strong> Holdpoint keeps only a fingerprint of it.
     Programs send it as <code>Authorization: Bearer …</code>.</p>
  <p><label for="new-token-value">Token</label>
     <input id="new-token-value" class="mono" readonly value="{{NEW_TOKEN_VALUE}}"></p>
</section>
{{/NEW_TOKEN}}

<section class="card" aria-labelledby="profile-title">
  <h2 id="profile-title">{{DISPLAY_NAME}}</h2>
  <dl class="facts">
    <dt>Name</dt><dd>{{DISPLAY_NAME}}</dd>
    <dt>Username</dt><dd><code>{{USERNAME}}</code></dd>
    <dt>E-mail</dt><dd>{{EMAIL}}</dd>
    <dt>Roles</dt><dd>{{#ROLE}}<span class="badge s-pending">{{ROLE_LABEL}}</span> {{/ROLE}}{{#NO_ROLES}}<span class="muted">No role yet. Ask an administrator.</span>{{/NO_ROLES}}</dd>
    <dt>Teams</dt><dd>{{#TEAM}}<span title="{{TEAM_DESCRIPTION}}">{{TEAM_NAME}}</span> {{/TEAM}}{{#NO_TEAMS}}<span class="muted">Not in any team.</span>{{/NO_TEAMS}}</dd>
  </dl>
  <p class="help">{{PROFILE_HELP}}{{#IS_ADMIN}} You can: <a href="/admin/users">manage users</a>.{{/IS_ADMIN}}</p>
</section>

<section class="card" id="time-zone" aria-labelledby="tz-title">
  <h2 id="tz-title">Your time zone</h2>
  <p>Pages, e-mails and PDF reports show times in <strong>{{TZ_NOW}}</strong>{{#TZ_UTC}} (no zone chosen yet){{/TZ_UTC}}.
     Reports also give the UTC time, which the audit trail records.</p>
  <form method="post" action="/me/time-zone" class="inline-form" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="time_zone">Time zone</label>
      <select id="time_zone" name="time_zone" aria-describedby="time_zone-help time_zone-error">
        <option value=""{{#TZ_UTC}} selected{{/TZ_UTC}}>UTC</option>
        {{#ZONE}}<option value="{{ZONE_NAME}}"{{#ZONE_SELECTED}} selected{{/ZONE_SELECTED}}>{{ZONE_NAME}}</option>{{/ZONE}}
      </select>
      <p class="help" id="time_zone-help">This browser says: <span data-browser-tz>unknown</span>.</p>
      <p class="error" id="time_zone-error">{{ERR_TIME_ZONE}}</p>
    </div>
    <button type="submit">Save time zone</button>
  </form>
</section>

<section class="card" id="sign-in" aria-labelledby="signin-title">
  <h2 id="signin-title">How you sign in</h2>
  <p>{{SIGN_IN_HOW}}</p>
  {{#LOCAL_ACCOUNT}}<p>Two-step sign-in: {{#TWO_STEP_ON}}<span class="badge s-completed">On</span>{{/TWO_STEP_ON}}{{#TWO_STEP_OFF}}<span class="badge s-pending">Off</span>{{/TWO_STEP_OFF}}
     — <a href="/me/two-step">{{#TWO_STEP_ON}}recovery codes, new phone{{/TWO_STEP_ON}}{{#TWO_STEP_OFF}}set it up{{/TWO_STEP_OFF}}</a></p>{{/LOCAL_ACCOUNT}}
</section>

<section class="card" aria-labelledby="away-title">
  <h2 id="away-title">Away?</h2>
  <p>Name a delegate who may approve or reject in your place for a date range:
     <a href="/me/delegation">Delegation</a>.</p>
</section>

<section class="card" id="sessions" aria-labelledby="sessions-title">
  <h2 id="sessions-title">Your sessions</h2>
  <p class="help">Every browser where you are signed in. End any you do not recognise, then change your password.</p>
  {{#HAS_SESSIONS}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Signed in</th><th scope="col">Last seen</th><th scope="col">IP address</th>
      <th scope="col" class="hide-sm">Browser</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>
    {{#SESSION}}
    <tr>
      <td>{{SESSION_CREATED}}{{#THIS_SESSION}} <span class="badge s-completed">This session</span>{{/THIS_SESSION}}</td>
      <td>{{SESSION_SEEN}}</td>
      <td class="mono">{{SESSION_IP}}</td>
      <td class="hide-sm">{{SESSION_AGENT}}</td>
      <td>
        <form method="post" action="/me/sessions/{{SESSION_ID}}/end" class="inline">
          <input type="hidden" name="csrf" value="{{CSRF}}">
          {{#THIS_SESSION}}<button type="submit" data-confirm="End this session? You will be signed out here.">End (signs you out)</button>{{/THIS_SESSION}}
          {{#OTHER_SESSION}}<button type="submit" class="danger" data-confirm="End this session? That browser will be signed out.">End session</button>{{/OTHER_SESSION}}
        </form>
      </td>
    </tr>
    {{/SESSION}}
    </tbody>
  </table>
  </div>
  {{/HAS_SESSIONS}}
  {{#NO_SESSIONS}}<p class="empty">No active sessions.</p>{{/NO_SESSIONS}}
</section>

<section class="card" id="tokens" aria-labelledby="tokens-title">
  <h2 id="tokens-title">API tokens</h2>
  <p class="help">Tokens let pipelines and scripts (holdctl) act as you through the API. Revoke a token as soon as it is no longer needed.</p>
  {{#HAS_TOKENS}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th>
      <th scope="col">Status</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>
    {{#TOKEN}}
    <tr>
      <td>{{TOKEN_LABEL}}</td>
      <td>{{TOKEN_CREATED}}</td>
      <td>{{TOKEN_USED}}</td>
      <td>{{#TOKEN_ACTIVE}}<span class="badge s-completed">Active</span>{{/TOKEN_ACTIVE}}{{#TOKEN_REVOKED}}<span class="badge s-aborted">Revoked</span> <span class="muted">{{TOKEN_REVOKED_AT}}</span>{{/TOKEN_REVOKED}}</td>
      <td>{{#TOKEN_ACTIVE}}
        <form method="post" action="/me/tokens/{{TOKEN_ID}}/revoke" class="inline">
          <input type="hidden" name="csrf" value="{{CSRF}}">
          <button type="submit" class="danger" data-confirm="Revoke the token “{{TOKEN_LABEL}}”? Programs using it will be refused.">Revoke</button>
        </form>{{/TOKEN_ACTIVE}}
      </td>
    </tr>
    {{/TOKEN}}
    </tbody>
  </table>
  </div>
  {{/HAS_TOKENS}}
  {{#NO_TOKENS}}<p class="empty">You have no API tokens.</p>{{/NO_TOKENS}}
  <h3>Create a token</h3>
  <form method="post" action="/me/tokens" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="token_name">Name</label>
      <p class="help" id="token_name-help">What will use it, e.g. “CI pipeline for web-shop”.</p>
      <input id="token_name" name="token_name" value="{{TOKEN_NAME}}" maxlength="100" required
             aria-describedby="token_name-help token_name-error">
      <p class="error" id="token_name-error">{{ERR_TOKEN_NAME}}</p>
    </div>
    <button type="submit" class="primary">Create token</button>
  </form>
</section>

{{#PASSWORD_SECTION}}<section class="card" id="password" aria-labelledby="password-title">
  <h2 id="password-title">Change your password</h2>
  <form method="post" action="/me/password" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="current_password">Current password</label>
      <input id="current_password" name="current_password" type="password" autocomplete="current-password" required
             aria-describedby="current_password-error">
      <p class="error" id="current_password-error">{{ERR_CURRENT_PASSWORD}}</p>
    </div>
    <div class="field">
      <label for="new_password">New password</label>
      <p class="help" id="new_password-help">At least 10 characters. Your other sessions will be signed out.</p>
      <input id="new_password" name="new_password" type="password" autocomplete="new-password" required
             aria-describedby="new_password-help new_password-error">
      <p class="error" id="new_password-error">{{ERR_NEW_PASSWORD}}</p>
    </div>
    <div class="field">
      <label for="new_password2">New password again</label>
      <input id="new_password2" name="new_password2" type="password" autocomplete="new-password" required
             aria-describedby="new_password2-error">
      <p class="error" id="new_password2-error">{{ERR_NEW_PASSWORD2}}</p>
    </div>
    <button type="submit" class="primary">Change password</button>
  </form>
</section>{{/PASSWORD_SECTION}}
{{>FOOTER}}
