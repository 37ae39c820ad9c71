{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p><a href="/admin">Administration</a> › Users</p>
<h1>Users</h1>
{{#HAS_ERRORS}}<div class="alert" role="alert">
  <p>The new user was not added. Some of what you entered needs fixing:</p>
  <ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
</div>{{/HAS_ERRORS}}
{{#ALERT}}<p class="alert" role="alert">{{ALERT}}</p>{{/ALERT}}
{{#HAS_USERS}}
<p class="muted">{{TOTAL}} users. <a href="#add-user">Add a user</a></p>
<div class="table-wrap" tabindex="0">
<table>
  <thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col" class="hide-sm">E-mail</th>
    <th scope="col">Roles</th><th scope="col" class="hide-sm">Teams</th><th scope="col">Status</th></tr></thead>
  <tbody>
  {{#USER}}
  <tr>
    <td><a href="/admin/users/{{USER_ID}}">{{USER_USERNAME}}</a></td>
    <td>{{USER_DISPLAY}}</td>
    <td class="hide-sm">{{USER_EMAIL}}</td>
    <td>{{USER_ROLES}}</td>
    <td class="hide-sm">{{USER_TEAMS}}</td>
    <td>{{#USER_ACTIVE}}<span class="badge s-completed">Active</span>{{/USER_ACTIVE}}{{#USER_DISABLED}}<span class="badge s-aborted">Disabled</span>{{/USER_DISABLED}}</td>
  </tr>
  {{/USER}}
  </tbody>
</table>
</div>
{{/HAS_USERS}}
{{#NO_USERS}}<p class="empty">There are no users yet. Add the first one below.</p>{{/NO_USERS}}
{{#PAGER}}
<nav class="pager" aria-label="Pages">
  {{#PREV}}<a href="/admin/users?page={{PREV_PAGE}}" rel="prev">← Previous</a>{{/PREV}}
  <span>Page {{PAGE}} of {{PAGES}}</span>
  {{#NEXT}}<a href="/admin/users?page={{NEXT_PAGE}}" rel="next">Next →</a>{{/NEXT}}
</nav>
{{/PAGER}}

<section class="card" id="add-user" aria-labelledby="add-user-title">
  <h2 id="add-user-title">Add a user</h2>
  <form method="post" action="/admin/users" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="username">Username</label>
      <p class="help" id="username-help">Lower-case letters, digits, “.”, “_” or “-”; used to sign in.</p>
      <input id="username" name="username" value="{{USERNAME}}" maxlength="64" autocomplete="off" required
             aria-describedby="username-help username-error">
      <p class="error" id="username-error">{{ERR_USERNAME}}</p>
    </div>
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
    <div class="field">
      <label for="password">Initial password</label>
      <p class="help" id="password-help">At least 10 characters. Tell the person; they can change it on their own page.</p>
      <input id="password" name="password" type="password" autocomplete="new-password" required
             aria-describedby="password-help password-error">
      <p class="error" id="password-error">{{ERR_PASSWORD}}</p>
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
    {{#HAS_TEAM_OPTIONS}}
    <fieldset class="field" id="teams">
      <legend>Teams</legend>
      {{#TEAM_OPTION}}
      <div class="check">
        <input type="checkbox" id="team-{{TEAM_INDEX}}" name="teams" value="{{TEAM_NAME}}"{{#TEAM_CHECKED}} checked{{/TEAM_CHECKED}}>
        <label for="team-{{TEAM_INDEX}}">{{TEAM_NAME}}</label> <span class="muted">{{TEAM_DESCRIPTION}}</span>
      </div>
      {{/TEAM_OPTION}}
      <p class="error" id="teams-error">{{ERR_TEAMS}}</p>
    </fieldset>
    {{/HAS_TEAM_OPTIONS}}
    <button type="submit" class="primary">Add user</button>
  </form>
</section>
{{>FOOTER}}
