{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<section class="card narrow">
  <h1>{{#ASK}}Forgot your password?{{/ASK}}{{#SENT}}Check your e-mail{{/SENT}}{{#CHOOSE}}Choose a new password{{/CHOOSE}}{{#GONE}}This link does not work{{/GONE}}</h1>
  {{#MESSAGE}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/MESSAGE}}
  {{#ASK}}
  <p>Type your username or e-mail address. If it is a Holdpoint account, we e-mail it a link to choose a new password.
     People who sign in with the company's account reset their password there.</p>
  <form method="post" action="/login/reset" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="who">Username or e-mail address</label>
      <input id="who" name="who" value="{{WHO}}" autocomplete="username" maxlength="254" required autofocus aria-describedby="who-error">
      <p class="error" id="who-error">{{ERR_WHO}}</p>
    </div>
    <button type="submit" class="primary">E-mail me a link</button>
  </form>
  {{/ASK}}
  {{#SENT}}
  <p id="reset-sent">If <strong>{{WHO}}</strong> is a Holdpoint account with an e-mail address, a link to choose a new
     password is on its way. It works once, for 30 minutes.</p>
  <p class="help">Nothing arrived? Look in the spam folder, or ask an administrator to set a password for you.</p>
  {{/SENT}}
  {{#CHOOSE}}
  <form method="post" action="/login/reset/new" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="token" value="{{TOKEN}}">
    <div class="field">
      <label for="new_password">New password</label>
      <p class="help" id="new_password-help">At least 10 characters. Every session of yours is signed out.</p>
      <input id="new_password" name="new_password" type="password" autocomplete="new-password" required autofocus
             aria-describedby="new_password-help new_password-error">
      <p class="error" id="new_password-error">{{ERR_NEW_PASSWORD}}</p>
    </div>
    <div class="field">
      <label for="new_password2">New password again</label>
      <input id="new_password2" name="new_password2" type="password" autocomplete="new-password" required
             aria-describedby="new_password2-error">
      <p class="error" id="new_password2-error">{{ERR_NEW_PASSWORD2}}</p>
    </div>
    <button type="submit" class="primary">Save the new password</button>
  </form>
  {{/CHOOSE}}
  {{#GONE}}
  <p>The link is unknown, was used already or is older than 30 minutes. <a href="/login/reset">Ask for a new one</a>.</p>
  {{/GONE}}
  <p class="help"><a href="/login">Back to sign-in</a></p>
</section>
{{>FOOTER}}
