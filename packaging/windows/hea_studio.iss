; Inno Setup 6 script: the Windows installer for HEA Studio.
;
; Input: the one-folder app built on Windows by packaging/build.sh (PyInstaller, packaging/hea_studio.spec),
; i.e. packaging\dist\hea-studio\ holding "HEA Studio.exe" (no console window, for double-clicking) and
; hea-studio.exe (the command line, for scripts).
;
; Build (from the repository root, on Windows, Inno Setup 6 installed; the CI workflow does this):
;   bash packaging/build.sh
;   iscc /DAppVersion=0.1.0 packaging\windows\hea_studio.iss
; Output: packaging\dist\HEA-Studio-0.1.0-setup.exe
;
; The installer asks no administrator rights by default: it installs for the current user under
; %LOCALAPPDATA%\Programs\HEA Studio (lab PCs often deny admin rights). An administrator can choose
; "install for all users" in the first dialog, which installs under Program Files.
; The bundle never writes into its own folder: numba's compiled kernels and the demo specimen go to
; %LOCALAPPDATA%\HEA Studio\Cache (see hea_studio.core.paths), which uninstalling leaves in place
; unless the user ticks the box offered at the end of the uninstall.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "HEA Studio"
#define AppExe "HEA Studio.exe"
#define CliExe "hea-studio.exe"
#define Root ".."

[Setup]
; A fixed id: upgrades replace the previous version instead of installing a second copy.
AppId={{6F0C3B8E-2D41-4C7A-9E15-8B1D5A7C2E94}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=HEA Studio developers
AppComments=Configurational entropy versus scale and SUME for atom probe data
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename=HEA-Studio-{#AppVersion}-setup
SetupIconFile={#Root}\..\resources\hea-studio.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the hea-studio command to PATH (for scripts and batch jobs)"; GroupDescription: "Command line:"; Flags: unchecked

[Files]
; The whole PyInstaller folder, as built. Replacing it wholesale on upgrade avoids stale libraries.
Source: "{#Root}\dist\hea-studio\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Files of the previous version that the new one may no longer ship.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Registry]
; PATH entry for the command line, per user or per machine matching the install mode.
Root: HKA; Subkey: "{code:EnvKey}"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function EnvKey(Param: String): String;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function NeedsAddPath(Dir: String): Boolean;
var
  Paths: String;
  RootKey: Integer;
begin
  if IsAdminInstallMode then RootKey := HKEY_LOCAL_MACHINE else RootKey := HKEY_CURRENT_USER;
  if not RegQueryStringValue(RootKey, EnvKey(''), 'Path', Paths) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;

procedure RemoveFromPath(Dir: String);
var
  Paths: String;
  P: Integer;
  RootKey: Integer;
begin
  if IsAdminInstallMode then RootKey := HKEY_LOCAL_MACHINE else RootKey := HKEY_CURRENT_USER;
  if not RegQueryStringValue(RootKey, EnvKey(''), 'Path', Paths) then exit;
  P := Pos(';' + Uppercase(Dir), Uppercase(Paths));
  if P = 0 then exit;
  Delete(Paths, P, Length(Dir) + 1);
  RegWriteExpandStringValue(RootKey, EnvKey(''), 'Path', Paths);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Cache: String;
begin
  if CurUninstallStep = usUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
  if CurUninstallStep = usPostUninstall then
  begin
    Cache := ExpandConstant('{localappdata}\HEA Studio');
    if DirExists(Cache) and not UninstallSilent then
      if MsgBox('Also delete HEA Studio''s cache (compiled kernels, demo specimen) in ' + Cache + '?',
                mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
        DelTree(Cache, True, True, True);
  end;
end;
