{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p><a href="/admin">Administration</a> › <a href="/admin/users">Users</a> › {{USERNAME}}</p>
<h1>{{NAME}} {{#DISABLED}}<span class="badge s-aborted">Disabled</span>{{/DISABLED}}{{#ACTIVE}}<span class="badge s-completed">Active</span>{{/ACTIVE}}{{#ACTIVE_SELF}}<span class="badge s-completed">Active</span>{{/ACTIVE_SELF}}</h1>
{{#ALERT}}<p class="alert" role="alert">{{ALERT}}</p>{{/ALERT}}
{{#HAS_ERRORS}}<div class="alert" role="alert">
  <p>Nothing was changed. Some of what you entered needs fixing:</p>
  <ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
</div>{{/HAS_ERRORS}}
{{#SELF}}<p class="notice">This is your own account. You cannot disable it or remove your own admin role.</p>{{/SELF}}

<section class="card" aria-labelledby="facts-title">
  <h2 id="facts-title">Account</h2>
  <dl class="facts">
    <dt>Username</dt><dd><code>{{USERNAME}}</code></dd>
    <dt>E-mail</dt><dd>{{CURRENT_EMAIL}}</dd>
    <dt>Roles</dt><dd>{{CURRENT_ROLES}}</dd>
    <dt>Signs in with</dt><dd>{{SIGNS_IN}}</dd>
    <dt>Added</dt><dd>{{CREATED}}</dd>
    <dt>Signed-in sessions</dt><dd>{{SESSIONS}}</dd>
    <dt>Active API tokens</dt><dd>{{TOKENS}}</dd>
  </dl>
</section>

<section class="card" id="edit" aria-labelledby="edit-title">
  <h2 id="edit-title">Name, e-mail and roles</h2>
  <form method="post" action="/admin/users/{{ID}}" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="display_name">Display name</label>
      <input id="display_name" name="display_name" value="{{DISPLAY_NAME}}" maxlength="100" required
             aria-describedby="display_name-error">
      <p class="error" id="display_name-error">{{ERR_DISPLAY_NAME}}</p>
    </div>
    <div class="field">
      <label for="email">E-mail address</label>
      <input id="email" name="email" type="email" value="{{EMAIL}}" maxlength="254" required
             aria-describedby="email-error">
      <p class="error" id="email-error">{{ERR_EMAIL}}</p>
    </div>
    <fieldset class="field" id="roles">
      <legend>Roles</legend>
      {{#ROLE_OPTION}}
      <div class="check">
        <input type="checkbox" id="role-{{ROLE_VALUE}}" name="roles" value="{{ROLE_VALUE}}"{{#ROLE_CHECKED}} checked{{/ROLE_CHECKED}}>
        <label for="role-{{ROLE_VALUE}}">{{ROLE_LABEL}}</label> <span class="muted">— {{ROLE_HELP}}</span>
      </div>
      {{/ROLE_OPTION}}
      <p class="error" id="roles-error">{{ERR_ROLES}}</p>
    </fieldset>
    <button type="submit" class="primary">Save changes</button>
  </form>
</section>

<section class="card" id="teams" aria-labelledby="teams-title">
  <h2 id="teams-title">Teams</h2>
  {{#HAS_MEMBER_OF}}
  <ul>
    {{#MEMBER_OF}}
    <li><a href="/admin/teams#team-{{TEAM_ID}}">{{TEAM_NAME}}</a> <span class="muted">{{TEAM_DESCRIPTION}}</span>
      <form method="post" action="/admin/teams/{{TEAM_ID}}/members/{{ID}}/remove" class="inline">
        <input type="hidden" name="csrf" value="{{CSRF}}">
        <input type="hidden" name="back" value="user">
        <button type="submit" class="link" data-confirm="Remove {{USERNAME}} from the team {{TEAM_NAME}}?">Remove from {{TEAM_NAME}}</button>
      </form>
    </li>
    {{/MEMBER_OF}}
  </ul>
  {{/HAS_MEMBER_OF}}
  {{#NO_MEMBER_OF}}<p class="empty">Not in any team.</p>{{/NO_MEMBER_OF}}
  {{#HAS_NOT_MEMBER_OF}}
  <h3>Add to a team</h3>
  <div class="actions">
    {{#NOT_MEMBER_OF}}
    <form method="post" action="/admin/teams/{{TEAM_ID}}/members" class="inline">
      <input type="hidden" name="csrf" value="{{CSRF}}">
      <input type="hidden" name="back" value="user">
      <input type="hidden" name="username" value="{{USERNAME}}">
      <button type="submit" title="{{TEAM_DESCRIPTION}}">Add to {{TEAM_NAME}}</button>
    </form>
    {{/NOT_MEMBER_OF}}
  </div>
  {{/HAS_NOT_MEMBER_OF}}
</section>

{{#FEDERATED}}<section class="card" id="password" aria-labelledby="password-title">
  <h2 id="password-title">Password</h2>
  <p class="help">This person signs in through the company's provider: their password, name, e-mail address and
    groups are kept there. Teams and roles the group map names follow their groups at each sign-in.</p>
</section>{{/FEDERATED}}
{{#PASSWORD_SECTION}}<section class="card" id="password" aria-labelledby="password-title">
  <h2 id="password-title">Reset password</h2>
  <p class="help">Sets a new password and signs the person out everywhere. Tell them the new password.</p>
  <form method="post" action="/admin/users/{{ID}}/password" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="password">New password</label>
      <input id="password" name="password" type="password" autocomplete="new-password" required
             aria-describedby="password-error">
      <p class="error" id="password-error">{{ERR_PASSWORD}}</p>
    </div>
    <div class="field">
      <label for="password2">New password again</label>
      <input id="password2" name="password2" type="password" autocomplete="new-password" required
             aria-describedby="password2-error">
      <p class="error" id="password2-error">{{ERR_PASSWORD2}}</p>
    </div>
    <button type="submit">Reset password</button>
  </form>
</section>{{/PASSWORD_SECTION}}
{{#TWO_STEP_RESET}}<section class="card" id="two-step" aria-labelledby="two-step-title">
  <h2 id="two-step-title">Two-step sign-in</h2>
  <p>On. If they lost both their phone and their recovery codes, turn it off; they can set it up again.</p>
  <form method="post" action="/admin/users/{{ID}}/two-step/reset">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="danger" data-confirm="Turn two-step sign-in off for {{USERNAME}}? Make sure it is really them asking.">Turn off two-step sign-in</button>
  </form>
</section>{{/TWO_STEP_RESET}}

<section class="card" id="access" aria-labelledby="access-title">
  <h2 id="access-title">Access</h2>
  {{#ACTIVE}}
  <p>Disabling stops sign-in at once, ends every session and revokes every API token. Their history stays.</p>
  <form method="post" action="/admin/users/{{ID}}/disable">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="danger" data-confirm="Disable {{USERNAME}}? They will be signed out everywhere and their API tokens revoked.">Disable user</button>
  </form>
  {{/ACTIVE}}
  {{#ACTIVE_SELF}}<p class="muted">You cannot disable your own account.</p>{{/ACTIVE_SELF}}
  {{#DISABLED}}
  <p>This person cannot sign in. Enabling lets them sign in again; revoked API tokens stay revoked.</p>
  <form method="post" action="/admin/users/{{ID}}/enable">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="primary">Enable user</button>
  </form>
  {{/DISABLED}}
</section>
{{>FOOTER}}
