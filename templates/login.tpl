{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<section class="card narrow">
  <h1>Sign in to Holdpoint</h1>
  {{#MESSAGE}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/MESSAGE}}
  <form method="post" action="/login" novalidate>
    <input type="hidden" name="next" value="{{NEXT}}">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="tz" value="" data-browser-tz>
    <div class="field">
      <label for="username">Username</label>
      <input id="username" name="username" value="{{USERNAME}}" autocomplete="username" required autofocus
             aria-describedby="username-error">
      <p class="error" id="username-error">{{ERR_USERNAME}}</p>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required
             aria-describedby="password-error">
      <p class="error" id="password-error">{{ERR_PASSWORD}}</p>
    </div>
    <button type="submit" class="primary">Sign in</button>
  </form>
</section>
{{>FOOTER}}
