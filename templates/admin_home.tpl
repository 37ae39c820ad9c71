{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Administration</h1>
<div class="grid">
  <section class="card" aria-labelledby="people-title">
    <h2 id="people-title"><a href="/admin/users">People</a></h2>
    <dl class="facts">
      <dt>Active users</dt><dd>{{USERS_ACTIVE}}</dd>
      <dt>Disabled users</dt><dd>{{USERS_DISABLED}}</dd>
      <dt>Administrators</dt><dd>{{ADMINS}}</dd>
      <dt>Signed-in sessions</dt><dd>{{SESSIONS}}</dd>
      <dt>Active API tokens</dt><dd>{{TOKENS}}</dd>
    </dl>
    <p class="actions"><a class="button primary" href="/admin/users">Manage users</a></p>
  </section>
  <section class="card" aria-labelledby="teams-title">
    <h2 id="teams-title"><a href="/admin/teams">Teams</a></h2>
    <dl class="facts">
      <dt>Teams</dt><dd>{{TEAMS}}</dd>
    </dl>
    <p class="help">Approval rules and manual tasks name teams; membership decides who may act.</p>
    <p class="actions"><a class="button primary" href="/admin/teams">Manage teams</a></p>
  </section>
  <section class="card" aria-labelledby="groups-title">
    <h2 id="groups-title"><a href="/admin/groups">Company sign-in</a></h2>
    <dl class="facts">
      <dt>Signs in with</dt><dd>{{SIGN_IN_WITH}}</dd>
      <dt>Mapped groups</dt><dd>{{MAPPED_GROUPS}}</dd>
    </dl>
    <p class="help">Which groups of the company's provider or directory make people members of teams and give roles.</p>
    <p class="actions"><a class="button" href="/admin/groups">Groups to teams and roles</a></p>
  </section>
  <section class="card" aria-labelledby="windows-title">
    <h2 id="windows-title"><a href="/admin/windows">Change windows and freezes</a></h2>
    <dl class="facts">
      <dt>Change windows</dt><dd>{{WINDOWS}}</dd>
      <dt>Activities waiting for a window</dt><dd>{{SCHEDULED}}</dd>
    </dl>
    <p class="help">When activities may start, and the periods in which approvals need an emergency approver.</p>
    <p class="actions"><a class="button" href="/admin/windows">Windows and freezes</a></p>
  </section>
  <section class="card" aria-labelledby="signins-title">
    <h2 id="signins-title"><a href="/admin/sign-ins">Sign-in attempts</a></h2>
    <dl class="facts">
      <dt>Failed sign-ins (24 h)</dt><dd>{{FAILED_SIGNINS}}</dd>
    </dl>
    <p class="help">Who failed to sign in, from where, and who is being slowed down now.</p>
    <p class="actions"><a class="button" href="/admin/sign-ins">See the attempts</a></p>
  </section>
  <section class="card" aria-labelledby="notify-title">
    <h2 id="notify-title"><a href="/admin/notifications">Notifications</a></h2>
    <p class="help">E-mail, Slack and webhook channels, and the outbox of messages on their way.</p>
    <p class="actions"><a class="button" href="/admin/notifications">Notification settings</a></p>
  </section>
</div>
{{>FOOTER}}
