{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<section class="card narrow">
  <h1>Two-step sign-in</h1>
  {{#MESSAGE}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/MESSAGE}}
  <p>Your password was right. Now type the 6-digit code your authenticator app shows for Holdpoint.</p>
  <form method="post" action="/login/two-step" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="code">Code</label>
      <p class="help" id="code-help">Lost your phone? Type one of the recovery codes you saved instead. Each works once.</p>
      <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="40" required autofocus
             aria-describedby="code-help code-error">
      <p class="error" id="code-error">{{ERR_CODE}}</p>
    </div>
    <button type="submit" class="primary">Sign in</button>
  </form>
  <p class="help"><a href="/login">Start again</a></p>
</section>
{{>FOOTER}}
